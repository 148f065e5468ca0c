// The tree protocol core: re-exports only.
export {
  type NodeRef,
  type StepResult,
  type TreeEffect,
  type TreeEvent,
  type TreeInput,
  type TreeState,
} from './types.ts';
export { parentOf } from './positions.ts';
export { memberAt, positionOf } from './membership.ts';
export { isStrongKey, makeTreeEnv, type TreeEnv } from './tree-env.ts';
export { MSG } from './messages.ts';
export { initialState, restoreState, step, treeStatus } from './machine.ts';
