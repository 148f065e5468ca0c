// Read-only questions about a relay's own place in its membership view.
import { memberAt, positionOf } from './membership.ts';
import { childrenOf, depthOf, inRootGroup, parentOf, rootGroup } from './positions.ts';
import type { NodeRef, TreeEvent, TreeState } from './types.ts';

export function myPosition(s: TreeState): number {
  return positionOf(s.membership, s.self.id);
}

export function isActive(s: TreeState): boolean {
  return (s.phase === 'member' || s.phase === 'leaving') && myPosition(s) >= 0;
}

/** Tree edges of position p: parent then children, as position → relay. */
export function treeNeighbours(s: TreeState, p: number): Map<number, NodeRef> {
  const out = new Map<number, NodeRef>();
  if (p < 0) return out;
  const size = s.membership.members.length;
  const parent = parentOf(p, s.k);
  if (parent !== null) out.set(parent, memberAt(s.membership, parent)!);
  for (const c of childrenOf(p, s.k, size)) out.set(c, memberAt(s.membership, c)!);
  return out;
}

/** Everyone p heartbeats: its tree edges, plus the whole root group when p is in it. */
export function watchedNeighbours(s: TreeState, p: number): Map<number, NodeRef> {
  const out = treeNeighbours(s, p);
  if (p >= 0 && inRootGroup(p, s.k)) {
    for (const q of rootGroup(s.k, s.membership.members.length)) if (q !== p) out.set(q, memberAt(s.membership, q)!);
  }
  return out;
}

/** The relay that sequences membership changes: position 0 of the view. */
export function sequencer(s: TreeState): NodeRef | null {
  return memberAt(s.membership, 0);
}

export function membershipEvent(s: TreeState): TreeEvent {
  const p = myPosition(s);
  const size = s.membership.members.length;
  const parent = p > 0 ? memberAt(s.membership, parentOf(p, s.k)!)!.id : null;
  const children = p >= 0 ? childrenOf(p, s.k, size).map((c) => memberAt(s.membership, c)!.id) : [];
  return {
    type: 'membership',
    epoch: s.membership.epoch,
    size,
    position: p,
    parent,
    children,
    depth: depthOf(size, s.k),
  };
}

export function versionBody(s: TreeState): { t: string; e: number; d: string; from: NodeRef } {
  return { t: s.treeId, e: s.membership.epoch, d: s.membership.digest, from: s.self };
}
