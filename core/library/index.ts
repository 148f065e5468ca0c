export * from './merge.ts';
export * from './record.ts';
export * as LibraryMessages from '../protocol/library-messages.ts';
