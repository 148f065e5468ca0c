// Public surface of the Node relay shell.
export * from './components.ts';
export * from './logger.ts';
export * from './config/relay-config.ts';
export * from './status.ts';
export * from './relay.ts';
export * from './ws/dispatcher.ts';
export * from './ws/link.ts';
export * from './ws/connector.ts';
export * from './ws/connection-manager.ts';
export * from './ws/drop-counters.ts';
export * from './ws/ping.ts';
export { DATA_FILES } from './data/data-dir.ts';
export { MIGRATIONS, migrate, openRelayDb, getMeta, setMeta, type RelayDb, type Migration } from './data/relay-db.ts';
