export * from './capability.ts';
export * from './chunker.ts';
export * from './file-cipher.ts';
export * from './file-codec.ts';
export * from './manifest.ts';
export * from './shard-store.ts';
export * from './memory-shard-store.ts';
