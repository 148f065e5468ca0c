export * from './merge.ts';
export * from './record.ts';
export * as LibraryMessages from './messages.ts';
