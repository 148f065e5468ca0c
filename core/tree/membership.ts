// The ordered membership: applying changes (the last member fills a vacancy), undoing them (to find where
// two histories forked), and the version order. Its digest is the SHA-256 of the epoch record that made it.
import type { Membership, MembershipOp, NodeRef } from './types.ts';

/** The membership of a relay that belongs to no tree. */
export const EMPTY_MEMBERSHIP: Membership = Object.freeze({
  epoch: 0,
  digest: '',
  members: Object.freeze([]) as readonly NodeRef[],
});

const indexCache = new WeakMap<readonly NodeRef[], Map<string, number>>();

/** Position of a relay id, or −1 (memoised per members array, which is immutable). */
export function positionOf(m: Membership, id: string): number {
  let index = indexCache.get(m.members);
  if (index === undefined) {
    index = new Map();
    for (let p = 0; p < m.members.length; p++) index.set(m.members[p]!.id, p);
    indexCache.set(m.members, index);
  }
  return index.get(id) ?? -1;
}

export function isMember(m: Membership, id: string): boolean {
  return positionOf(m, id) >= 0;
}

/** The relay at a position, or null. */
export function memberAt(m: Membership, p: number): NodeRef | null {
  return p >= 0 && p < m.members.length ? m.members[p]! : null;
}

export function copyRef(ref: NodeRef): NodeRef {
  return { id: ref.id, url: ref.url, key: ref.key };
}

const applyCache = new WeakMap<readonly NodeRef[], { ops: readonly MembershipOp[]; result: NodeRef[] | null }>();

/**
 * The members after `ops`, in order: `add` appends; `remove` (which names the member and its position)
 * moves the last member into the vacated position. Null when an op does not apply. Memoised for the
 * last call per members array, since every relay (and every simulated relay) applies the same change.
 */
export function applyOps(members: readonly NodeRef[], ops: readonly MembershipOp[]): NodeRef[] | null {
  const cached = applyCache.get(members);
  if (cached !== undefined && cached.ops === ops) return cached.result;
  const result = applyUncached(members, ops);
  applyCache.set(members, { ops, result });
  return result;
}

function applyUncached(base: readonly NodeRef[], ops: readonly MembershipOp[]): NodeRef[] | null {
  const members = base.slice();
  const index = new Map<string, number>();
  for (let p = 0; p < members.length; p++) index.set(members[p]!.id, p);
  for (const op of ops) {
    if (op.op === 'add') {
      if (index.has(op.ref.id)) return null;
      index.set(op.ref.id, members.length);
      members.push(copyRef(op.ref));
    } else {
      const p = index.get(op.ref.id);
      const at = members[op.at];
      if (p === undefined || p !== op.at || at === undefined || at.url !== op.ref.url || at.key !== op.ref.key)
        return null;
      const last = members.pop()!;
      index.delete(op.ref.id);
      if (p < members.length) {
        members[p] = last;
        index.set(last.id, p);
      }
    }
  }
  return members;
}

/** The members before `ops`, given the members after them (the inverse of applyOps). */
export function undoOps(after: readonly NodeRef[], ops: readonly MembershipOp[]): NodeRef[] | null {
  const members = after.slice();
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (op.op === 'add') {
      const last = members[members.length - 1];
      if (last === undefined || last.id !== op.ref.id) return null;
      members.pop();
    } else if (op.at < members.length) {
      members.push(members[op.at]!);
      members[op.at] = copyRef(op.ref);
    } else if (op.at === members.length) {
      members.push(copyRef(op.ref));
    } else return null;
  }
  return members;
}

/**
 * Total order of membership versions: positive when a wins over b. The higher epoch wins; at equal
 * epochs (two sides of a partition sequenced separately) the lower digest wins.
 */
export function compareVersions(a: { epoch: number; digest: string }, b: { epoch: number; digest: string }): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  if (a.digest === b.digest) return 0;
  return a.digest < b.digest ? 1 : -1;
}

/** Approximate bytes a relay spends on the membership (ids, urls, keys, positions), as JSON. */
export function membershipBytes(m: Membership): number {
  let bytes = 40 + m.digest.length;
  for (const ref of m.members) bytes += ref.id.length + ref.url.length + ref.key.length + 30;
  return bytes;
}
