export * from './record.ts';
export * from './ledger-state.ts';
