// Checking membership history. A record is installed only when it follows a view this relay already
// trusts: the right epoch and previous hash, a valid signature by the sequencer the rule names (or a
// takeover with a quorum of evidence), keys that match the ids they add, admissions the tree accepts.
// Records from another relay are fitted onto this relay's log: ahead on the same chain, a fork (two
// sequencers after a partition: the winner by version order; one sequencer twice: equivocation), or
// nothing this relay can check (unattached).
import { fromHex } from '../bytes.ts';
import { recordHash, recordSignedBy, type EpochRecord } from './epoch-record.ts';
import { takeoverProblem } from './evidence.ts';
import { applyOps, compareVersions, positionOf, undoOps } from './membership.ts';
import { isStrongKey, type TreeEnv } from './tree-env.ts';
import type { Membership, NodeRef } from './types.ts';
import { MAX_EPOCH_LOG } from '../limits.ts';

export type Verdict =
  { readonly ok: true; readonly membership: Membership } | { readonly ok: false; readonly reason: string };

/** Checks that `r` is a valid next epoch of `view` in tree `treeId`; returns the resulting view. */
export function verifyNext(env: TreeEnv, k: number, treeId: string, view: Membership, r: EpochRecord): Verdict {
  if (r.t !== treeId) return { ok: false, reason: 'foreign-tree' };
  if (r.e !== view.epoch + 1 || r.p !== view.digest) return { ok: false, reason: 'not-next' };
  const signerPos = positionOf(view, r.by);
  if (signerPos < 0) return { ok: false, reason: 'signer-not-member' };
  if (!recordSignedBy(env, r, view.members[signerPos]!.key)) return { ok: false, reason: 'bad-record-signature' };
  if (signerPos !== 0) {
    const problem = takeoverProblem(env, k, treeId, view, r);
    if (problem !== null) return { ok: false, reason: problem };
  } else if (r.ev.length > 0) return { ok: false, reason: 'evidence-without-takeover' };
  for (const op of r.ops) {
    if (op.op !== 'add') continue;
    let id: string;
    try {
      const key = fromHex(op.ref.key);
      if (!isStrongKey(key)) return { ok: false, reason: 'weak-key' };
      id = env.idOf(key);
    } catch {
      return { ok: false, reason: 'bad-key' };
    }
    if (id !== op.ref.id) return { ok: false, reason: 'key-not-id' };
    if (!env.admits(op.ref.id, op.adm, treeId)) return { ok: false, reason: 'not-admitted' };
  }
  const members = applyOps(view.members, r.ops);
  if (members === null) return { ok: false, reason: 'ops-do-not-apply' };
  return { ok: true, membership: { epoch: r.e, digest: recordHash(env, r), members } };
}

/** True when records are consecutive epochs, each naming the hash of the one before. */
export function isChain(env: TreeEnv, recs: readonly EpochRecord[]): boolean {
  for (let i = 1; i < recs.length; i++)
    if (recs[i]!.e !== recs[i - 1]!.e + 1 || recs[i]!.p !== recordHash(env, recs[i - 1]!)) return false;
  return true;
}

/** Appends verified records to a log, keeping the newest MAX_EPOCH_LOG. */
export function extendLog(log: readonly EpochRecord[], recs: readonly EpochRecord[]): EpochRecord[] {
  const out = [...log, ...recs];
  return out.length > MAX_EPOCH_LOG ? out.slice(out.length - MAX_EPOCH_LOG) : out;
}

/** The index in `log` of the record that made version (e, d), or −1. */
export function logIndexOf(env: TreeEnv, log: readonly EpochRecord[], e: number, d: string): number {
  if (log.length === 0) return -1;
  const i = e - log[0]!.e;
  return i >= 0 && i < log.length && recordHash(env, log[i]!) === d ? i : -1;
}

export type Fit =
  | { readonly kind: 'same' }
  | {
      readonly kind: 'ahead' | 'fork';
      readonly membership: Membership;
      readonly log: readonly EpochRecord[];
      readonly wins: boolean;
      readonly equivocation: boolean;
    }
  | { readonly kind: 'unattached' }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Fits received records onto this relay's view and log. `ahead`: they extend the current view (verified,
 * wins). `fork`: they branch off an earlier epoch of the log (verified from the rewound view; `wins` by
 * version order, or, on `equivocation` (the same signer made both branches' first records), by the
 * lower hash of those two records).
 */
export function fitRecords(
  env: TreeEnv,
  k: number,
  treeId: string,
  view: Membership,
  log: readonly EpochRecord[],
  recs: readonly EpochRecord[],
): Fit {
  if (recs.length === 0 || log.length === 0) return recs.length === 0 ? { kind: 'same' } : { kind: 'unattached' };
  if (!isChain(env, recs)) return { kind: 'invalid', reason: 'not-a-chain' };
  const start = log[0]!.e;
  const mine = (e: number): string | undefined =>
    e >= start && e < start + log.length ? recordHash(env, log[e - start]!) : e === start - 1 ? log[0]!.p : undefined;
  let j = 0;
  while (j < recs.length && mine(recs[j]!.e) === recordHash(env, recs[j]!)) j++;
  if (j === recs.length) return { kind: 'same' };
  const first = recs[j]!;
  const base = first.e - 1;
  if (base > view.epoch || mine(base) !== first.p) return { kind: 'unattached' };
  let members: readonly NodeRef[] | null = view.members;
  for (let i = log.length - 1; i >= 0 && log[i]!.e > base && members !== null; i--)
    members = undoOps(members, log[i]!.ops);
  if (members === null) return { kind: 'invalid', reason: 'log-does-not-undo' };
  let at: Membership = { epoch: base, digest: first.p, members };
  const fresh = recs.slice(j);
  for (const r of fresh) {
    const v = verifyNext(env, k, treeId, at, r);
    if (!v.ok) return { kind: 'invalid', reason: v.reason };
    at = v.membership;
  }
  const kept = log.filter((r) => r.e <= base);
  const newLog = extendLog(kept, fresh);
  if (base === view.epoch) return { kind: 'ahead', membership: at, log: newLog, wins: true, equivocation: false };
  const myNext = log[first.e - start];
  const equivocation = myNext !== undefined && myNext.by === first.by;
  // Two sequencers after a partition: the later version wins. One sequencer that signed two successors
  // of one epoch (equivocation): the successor with the lower hash wins on every relay, whatever it saw
  // first and however far the signer extended either branch, so the tree still converges.
  const wins = equivocation ? recordHash(env, first) < recordHash(env, myNext) : compareVersions(at, view) > 0;
  return { kind: 'fork', membership: at, log: newLog, wins, equivocation };
}
