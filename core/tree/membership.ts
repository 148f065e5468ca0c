// The ordered membership: creation, applying changes (last member fills a vacancy), version order.
import type { Membership, MembershipOp, NodeRef } from './types.ts';

/** The membership of a relay that belongs to no tree. */
export const EMPTY_MEMBERSHIP: Membership = Object.freeze({ epoch: 0, digest: '', members: Object.freeze([]) as readonly NodeRef[] });

/** 64-bit FNV-1a (two 32-bit lanes with different offsets), as 16 hex characters. */
export function hashText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
    b = (b ^ (a >>> 7)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The membership of a new tree whose root is `root` (epoch 1). */
export function createMembership(root: NodeRef): Membership {
  const members = [{ id: root.id, url: root.url }];
  return { epoch: 1, digest: hashText(`genesis|${root.id}|${root.url}`), members };
}

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

/** Digest after applying `ops` as `epoch`. */
export function nextDigest(digest: string, epoch: number, ops: readonly MembershipOp[]): string {
  return hashText(`${digest}|${epoch}|${JSON.stringify(ops)}`);
}

const applyCache = new WeakMap<Membership, { key: string; result: Membership | null }>();

/**
 * Applies ops as one epoch (epoch + 1). `add` appends; `remove` moves the last member into the
 * vacated position. Returns null when an op does not apply (adding a present id, removing an
 * absent one). Memoised for the last call per base, since every relay applies the same change.
 */
export function applyOps(m: Membership, ops: readonly MembershipOp[]): Membership | null {
  const key = JSON.stringify(ops);
  const cached = applyCache.get(m);
  if (cached !== undefined && cached.key === key) return cached.result;
  const result = applyUncached(m, ops, key);
  applyCache.set(m, { key, result });
  return result;
}

function applyUncached(m: Membership, ops: readonly MembershipOp[], key: string): Membership | null {
  const members = m.members.slice();
  const index = new Map<string, number>();
  for (let p = 0; p < members.length; p++) index.set(members[p]!.id, p);
  for (const op of ops) {
    if (op.op === 'add') {
      if (index.has(op.ref.id)) return null;
      index.set(op.ref.id, members.length);
      members.push({ id: op.ref.id, url: op.ref.url });
    } else {
      const p = index.get(op.id);
      if (p === undefined) return null;
      const last = members.pop()!;
      index.delete(op.id);
      if (p < members.length) {
        members[p] = last;
        index.set(last.id, p);
      }
    }
  }
  const epoch = m.epoch + 1;
  return { epoch, digest: hashText(`${m.digest}|${epoch}|${key}`), members };
}

/**
 * Total order of membership versions: positive when a wins over b. The higher epoch wins;
 * at equal epochs (two relays sequenced concurrently) the lower digest wins.
 */
export function compareVersions(a: { epoch: number; digest: string }, b: { epoch: number; digest: string }): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  if (a.digest === b.digest) return 0;
  return a.digest < b.digest ? 1 : -1;
}

/** Approximate bytes a relay spends on the membership (ids, urls, positions), as JSON. */
export function membershipBytes(m: Membership): number {
  let bytes = 40 + m.digest.length;
  for (const ref of m.members) bytes += ref.id.length + ref.url.length + 20;
  return bytes;
}
