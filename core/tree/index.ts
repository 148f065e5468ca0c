// The tree protocol core: re-exports only.
export * from './types.ts';
export * from './constants.ts';
export * from './positions.ts';
export { EMPTY_MEMBERSHIP, applyOps, compareVersions, createMembership, isMember, memberAt, membershipBytes, positionOf } from './membership.ts';
export { MSG, parseMessage, type Message, type MessageType } from './messages.ts';
export { initialState, restoreState, step, treeStatus } from './machine.ts';
export { nextHop } from './routing.ts';
export { TreeApp, type Handler, type Incoming } from './app.ts';
