export * from './memory.ts';
export * from './query.ts';
export * from './bloom.ts';
export * from './merge.ts';
export * from './forget.ts';
export * from './descent.ts';
