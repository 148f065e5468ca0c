// Public surface of the Node relay shell.
export { defaultComponents } from './default-components.ts';
export { parseRelayArgs } from './config/relay-config.ts';
export { startRelay } from './relay.ts';
export { connect } from './ws/connector.ts';
