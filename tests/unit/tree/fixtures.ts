// Shared fixtures for the tree unit tests: relays, memberships and member states built directly.
import { toHex, utf8 } from '../../../core/bytes.ts';
import { sha256Sync } from '../../../core/crypto/sha256.ts';
import { GENESIS_PREV, recordHash, signRecord, type EpochRecord } from '../../../core/tree/epoch-record.ts';
import { makeTreeEnv, publicKeyHexOf, type TreeEnv } from '../../../core/tree/tree-env.ts';
import { initialState } from '../../../core/tree/machine.ts';
import { treeNeighbours } from '../../../core/tree/view.ts';
import type { Membership, MembershipOp, NodeRef, TreeEffect, TreeState } from '../../../core/tree/types.ts';

const seedOf = (i: number): Uint8Array => sha256Sync(utf8(`peertree-fixture-${i}`));
const keys = new Map<number, string>();
const names = new Map<string, string>();

/** Relay r<i>, with a real Ed25519 key (so records the tests sign are checked for real). */
export const ref = (i: number): NodeRef => {
  let key = keys.get(i);
  if (key === undefined) {
    key = publicKeyHexOf(seedOf(i));
    keys.set(i, key);
    names.set(key, `r${i}`);
  }
  return { id: `r${i}`, url: `wss://r${i}`, key };
};

/** The env of relay r<i>: it signs with r<i>'s key and names keys r0, r1, … as the fixtures do. */
export function envOf(i: number): TreeEnv {
  ref(i);
  return makeTreeEnv(seedOf(i), { idOf: (pub) => names.get(toHex(pub)) ?? 'unknown' });
}

/** An update body: the next epoch of `m` with `ops`, signed by r<signer>. */
export function signedUpdate(m: Membership, ops: readonly MembershipOp[], signer = 0): { t: string; r: EpochRecord } {
  return {
    t: 'r0',
    r: signRecord(envOf(signer), { t: 'r0', e: m.epoch + 1, p: m.digest, ops, by: `r${signer}`, ev: [] }),
  };
}

/** A stand-in record for a built view (never checked): gives the view a digest and a log to chain to. */
export const HEAD: EpochRecord = {
  t: 'r0',
  e: 1,
  p: GENESIS_PREV,
  ops: [{ op: 'add', ref: ref(0), adm: '' }],
  by: 'r0',
  ev: [],
  sig: '00'.repeat(64),
};

export function grow(n: number): Membership {
  return { epoch: n, digest: 'ab'.repeat(32), members: Array.from({ length: n }, (_, i) => ref(i)) };
}

/** Relay r<i> as a member of a tree of n relays (k given), at time `now`. */
export function memberState(i: number, n: number, k = 2, now = 1_000): TreeState {
  const state: TreeState = {
    ...initialState(ref(i), k),
    phase: 'member',
    treeId: 'r0',
    membership: grow(n),
    log: [{ ...HEAD, e: n }],
    now,
  };
  const neighbourMap: Record<string, string> = {};
  for (const [pos, r] of treeNeighbours(state, i)) neighbourMap[pos] = r.id;
  return { ...state, neighbourMap };
}

const chains = new Map<number, { membership: Membership; log: readonly EpochRecord[] }>();

/**
 * A real signed history of tree r0 with n relays: r0's genesis, then r1 … r<n−1> added one epoch each,
 * every record signed by r0. Its membership is at epoch n (as grow(n)) with the real chain digest.
 */
export function chain(n: number): { membership: Membership; log: readonly EpochRecord[] } {
  let c = chains.get(n);
  if (c === undefined) {
    const env = envOf(0);
    const log: EpochRecord[] = [];
    let p = GENESIS_PREV;
    for (let i = 0; i < n; i++) {
      const r = signRecord(env, { t: 'r0', e: i + 1, p, ops: [{ op: 'add', ref: ref(i), adm: '' }], by: 'r0', ev: [] });
      log.push(r);
      p = recordHash(env, r);
    }
    c = { membership: { epoch: n, digest: p, members: Array.from({ length: n }, (_, i) => ref(i)) }, log };
    chains.set(n, c);
  }
  return c;
}

/** Relay r<i> as a member of the real signed tree chain(n): every record it holds verifies. */
export function chainState(i: number, n: number, k = 2, now = 1_000): TreeState {
  const { membership, log } = chain(n);
  return { ...memberState(i, n, k, now), membership, log };
}

export function sends(effects: readonly TreeEffect[], msgType?: string): { to: string; msgType: string; body: any }[] {
  return effects.flatMap((e) =>
    e.kind === 'send' && (msgType === undefined || e.msgType === msgType)
      ? [{ to: e.to.id, msgType: e.msgType, body: e.body as any }]
      : [],
  );
}

export function events(effects: readonly TreeEffect[]): any[] {
  return effects.flatMap((e) => (e.kind === 'notify' ? [e.event] : []));
}
