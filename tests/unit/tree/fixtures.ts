// Shared fixtures for the tree unit tests: relays, memberships and member states built directly.
import { applyOps, createMembership } from '../../../core/tree/membership.ts';
import { initialState } from '../../../core/tree/machine.ts';
import { treeNeighbours } from '../../../core/tree/view.ts';
import type { Membership, NodeRef, TreeEffect, TreeState } from '../../../core/tree/types.ts';

export const ref = (i: number): NodeRef => ({ id: `r${i}`, url: `wss://r${i}` });

export function grow(n: number): Membership {
  let m = createMembership(ref(0));
  for (let i = 1; i < n; i++) m = applyOps(m, [{ op: 'add', ref: ref(i) }])!;
  return m;
}

/** Relay r<i> as a member of a tree of n relays (k given), at time `now`. */
export function memberState(i: number, n: number, k = 2, now = 1_000): TreeState {
  const state: TreeState = { ...initialState(ref(i), k), phase: 'member', treeId: 'r0', membership: grow(n), now };
  const neighbourMap: Record<string, string> = {};
  for (const [pos, r] of treeNeighbours(state, i)) neighbourMap[pos] = r.id;
  return { ...state, neighbourMap };
}

export function sends(effects: readonly TreeEffect[], msgType?: string): { to: string; msgType: string; body: any }[] {
  return effects.flatMap((e) => (e.kind === 'send' && (msgType === undefined || e.msgType === msgType) ? [{ to: e.to.id, msgType: e.msgType, body: e.body as any }] : []));
}

export function events(effects: readonly TreeEffect[]): any[] {
  return effects.flatMap((e) => (e.kind === 'notify' ? [e.event] : []));
}
