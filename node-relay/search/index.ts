export * from './memory-index.ts';
export * from './search-app.ts';
export * from './search-messages.ts';
export * from './start-search.ts';
