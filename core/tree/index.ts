// The tree protocol core: re-exports only.
export * from './types.ts';
export * from './positions.ts';
export {
  EMPTY_MEMBERSHIP,
  applyOps,
  compareVersions,
  isMember,
  memberAt,
  membershipBytes,
  positionOf,
} from './membership.ts';
export { recordBytes, recordHash, suspicionBytes, type EpochRecord, type Suspicion } from './epoch-record.ts';
export {
  isStrongKey,
  makeTreeEnv,
  publicKeyHexOf,
  VERIFY_ONLY_ENV,
  type TreeEnv,
  type TreeEnvParts,
} from './tree-env.ts';
export { MSG, parseMessage, type Message, type MessageType } from './messages.ts';
export { initialState, restoreState, step, treeStatus } from './machine.ts';
export { nextHop } from './routing.ts';
