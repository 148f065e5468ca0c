export * from './identity.ts';
export * from './node-id.ts';
