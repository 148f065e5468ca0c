export * from './record.ts';
export * from './entry.ts';
export * from './ledger-state.ts';
