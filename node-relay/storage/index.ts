export * from './file-shard-store.ts';
export * from './holder-index.ts';
export * from './link-transport.ts';
export * from './storage-app.ts';
export * from './storage-messages.ts';
export * from './storage-peers.ts';
export * from './start-storage.ts';
