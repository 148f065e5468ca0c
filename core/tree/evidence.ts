// Who may say a member is gone, and when that is enough. A relay watches its tree edges (and, in the root
// group, the whole root group); the sequencer may remove a member it watches itself. Anyone else needs
// evidence: signed suspicions from a strict majority of the member's watchers at the same version, so
// one malicious member can neither take over the root nor expel a live relay on its own word. Watchers
// removed earlier in the same record (each with a quorum of its own) no longer count, so the survivors
// of a double failure (the root and a child, k = 2) can still replace both.
import { suspicionSignedBy, type EpochRecord, type Suspicion } from './epoch-record.ts';
import { positionOf } from './membership.ts';
import { childrenOf, inRootGroup, parentOf, rootGroup } from './positions.ts';
import type { TreeEnv } from './tree-env.ts';
import type { Membership } from './types.ts';

/** Positions that heartbeat position p: its tree edges, plus the root group when p is in it. */
export function watchersOf(p: number, k: number, size: number): number[] {
  const out = new Set<number>();
  const parent = parentOf(p, k);
  if (parent !== null) out.add(parent);
  for (const c of childrenOf(p, k, size)) out.add(c);
  if (inRootGroup(p, k)) for (const q of rootGroup(k, size)) out.add(q);
  out.delete(p);
  return [...out].sort((a, b) => a - b);
}

/** Suspicions needed to remove a member with this many watchers: a strict majority. */
export function quorum(watchers: number): number {
  return Math.floor(watchers / 2) + 1;
}

/**
 * The distinct suspicions of `of` in `ev` by its watchers in `view` (without `excluded` and `silenced`) that
 * pass `valid`: the cheap watcher filter first, so a signature is checked only for a statement that would count.
 */
function selectSuspicions(
  k: number,
  view: Membership,
  of: string,
  ev: readonly Suspicion[],
  excluded: ReadonlySet<string>,
  silenced: ReadonlySet<string>,
  valid: (s: Suspicion) => boolean,
): Suspicion[] {
  const watchers = watcherIds(k, view, of, excluded);
  for (const id of silenced) watchers.delete(id);
  const seen = new Set<string>();
  const out: Suspicion[] = [];
  for (const s of ev) {
    if (s.of !== of || seen.has(s.by) || !watchers.has(s.by) || !valid(s)) continue;
    seen.add(s.by);
    out.push(s);
  }
  return out;
}

/** Suspicions as selectSuspicions, no signature checked: for evidence verified on arrival (held for this view only). */
export function watcherSuspicions(
  k: number,
  view: Membership,
  of: string,
  ev: readonly Suspicion[],
  excluded: ReadonlySet<string> = NONE,
  silenced: ReadonlySet<string> = NONE,
): Suspicion[] {
  return selectSuspicions(k, view, of, ev, excluded, silenced, () => true);
}

/**
 * The distinct valid suspicions of `of` in `ev` from its watchers at version view (epoch, digest). Checks
 * each signature against the watcher's key in the view: for evidence carried inside a record.
 */
export function validSuspicions(
  env: TreeEnv,
  k: number,
  treeId: string,
  view: Membership,
  of: string,
  ev: readonly Suspicion[],
  excluded: ReadonlySet<string> = NONE,
  silenced: ReadonlySet<string> = NONE,
): Suspicion[] {
  return selectSuspicions(k, view, of, ev, excluded, silenced, (s) =>
    suspicionSignedBy(env, s, treeId, view.epoch, view.digest, view.members[positionOf(view, s.by)]!.key),
  );
}

const NONE: ReadonlySet<string> = new Set();

/** Ids of the watchers of `of` in `view`, without the excluded ones. */
function watcherIds(k: number, view: Membership, of: string, excluded: ReadonlySet<string>): Set<string> {
  const p = positionOf(view, of);
  if (p < 0) return new Set();
  return new Set(
    watchersOf(p, k, view.members.length)
      .map((q) => view.members[q]!.id)
      .filter((id) => !excluded.has(id)),
  );
}

/**
 * True when `ev` holds a quorum of valid suspicions of `of` at this view. The quorum is a strict majority of
 * its watchers not in `excluded` (removed earlier in the same record); statements by `silenced` members
 * (everyone the record removes) do not count, so no removed member vouches for another removal.
 */
export function hasQuorum(
  env: TreeEnv,
  k: number,
  treeId: string,
  view: Membership,
  of: string,
  ev: readonly Suspicion[],
  excluded: ReadonlySet<string> = NONE,
  silenced: ReadonlySet<string> = NONE,
): boolean {
  return reaches(k, view, of, excluded, validSuspicions(env, k, treeId, view, of, ev, excluded, silenced).length);
}

/** hasQuorum for evidence already verified on arrival: the same count, no signature checked again. */
export function heldQuorum(
  k: number,
  view: Membership,
  of: string,
  ev: readonly Suspicion[],
  excluded: ReadonlySet<string> = NONE,
  silenced: ReadonlySet<string> = NONE,
): boolean {
  return reaches(k, view, of, excluded, watcherSuspicions(k, view, of, ev, excluded, silenced).length);
}

/** True when `count` statements are a quorum of the watchers of `of` not in `excluded`. */
function reaches(k: number, view: Membership, of: string, excluded: ReadonlySet<string>, count: number): boolean {
  const watchers = watcherIds(k, view, of, excluded).size;
  return watchers > 0 && count >= quorum(watchers);
}

/**
 * Null when record `r`, signed by a member other than the sequencer at position 0 of `view`, is a valid
 * takeover; else the reason it is not. A takeover removes the silent root (and possibly other silent
 * root-group members) as dead; its signer is a live root-group member; each removal has a quorum.
 */
export function takeoverProblem(
  env: TreeEnv,
  k: number,
  treeId: string,
  view: Membership,
  r: EpochRecord,
): string | null {
  const signerPos = positionOf(view, r.by);
  if (signerPos <= 0 || !inRootGroup(signerPos, k)) return 'signer-not-sequencer';
  if (r.ops.length === 0 || r.ops.length > k + 1) return 'takeover-shape';
  const root = view.members[0]!;
  let removesRoot = false;
  const removed = new Set<string>();
  const all = new Set(r.ops.map((op) => op.ref.id));
  for (const op of r.ops) {
    if (op.op !== 'remove' || op.reason !== 'dead') return 'takeover-shape';
    const p = positionOf(view, op.ref.id);
    if (p < 0 || !inRootGroup(p, k) || op.ref.id === r.by || removed.has(op.ref.id)) return 'takeover-shape';
    if (op.ref.id === root.id) removesRoot = true;
    if (!hasQuorum(env, k, treeId, view, op.ref.id, r.ev, removed, all)) return 'takeover-without-quorum';
    removed.add(op.ref.id);
  }
  return removesRoot ? null : 'takeover-shape';
}
