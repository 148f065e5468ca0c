// Replacing a silent root. Every relay that watches a root-group member and stops hearing it signs a
// suspicion at the current version and sends it to the root group. A root-group member that holds a
// quorum of suspicions of the root (see evidence.ts) signs the takeover record with them; the lowest
// live one acts first, the others after a grace period, so one silent-but-alive member cannot stall it.
import type { Ctx } from './context.ts';
import { PEER_TIMEOUT_MS } from '../limits.ts';
import { signSuspicion, suspicionSignedBy, type Suspicion } from './epoch-record.ts';
import { heldQuorum, watcherSuspicions, watchersOf } from './evidence.ts';
import { applyOps, memberAt, positionOf } from './membership.ts';
import { MSG, type SuspectBody } from './messages.ts';
import { inRootGroup, rootGroup } from './positions.ts';
import { commit } from './sequencer.ts';
import type { MembershipOp, NodeRef } from './types.ts';
import { myPosition } from './view.ts';
import { TAKEOVER_GRACE_MS } from '../limits.ts';

function addEvidence(ctx: Ctx, s: Suspicion): void {
  const list = ctx.s.evidence[s.of] ?? [];
  if (list.some((x) => x.by === s.by)) return;
  ctx.s.evidence[s.of] = [...list, s];
}

/** Signs "I have not heard `ref`" at the current version and sends it to the root group. */
export function suspect(ctx: Ctx, ref: NodeRef): void {
  const s = ctx.s;
  const m = s.membership;
  const mine = signSuspicion(ctx.env, s.treeId, m.epoch, m.digest, ref.id, s.self.id);
  addEvidence(ctx, mine);
  ctx.count('suspicions-signed');
  const body: SuspectBody = { t: s.treeId, e: m.epoch, d: m.digest, s: mine };
  for (const q of rootGroup(s.k, m.members.length)) {
    const to = memberAt(m, q)!;
    if (to.id !== ref.id && to.id !== s.self.id) ctx.send(to, MSG.suspect, body);
  }
}

/** A suspicion from a member: kept when it is made at this version by a watcher of the suspect. */
export function onSuspect(ctx: Ctx, from: string, b: SuspectBody): void {
  const s = ctx.s;
  const m = s.membership;
  if (b.s.by !== from) {
    ctx.count('dropped-spoofed');
    return;
  }
  if (b.e !== m.epoch || b.d !== m.digest) {
    ctx.count('suspicion-stale');
    return;
  }
  const p = positionOf(m, b.s.of);
  const by = positionOf(m, from);
  if (p < 0 || !inRootGroup(p, s.k) || by < 0 || !watchersOf(p, s.k, m.members.length).includes(by)) {
    ctx.count('suspicion-refused');
    return;
  }
  if (!suspicionSignedBy(ctx.env, b.s, s.treeId, m.epoch, m.digest, m.members[by]!.key)) {
    ctx.count('suspicion-bad-signature');
    return;
  }
  addEvidence(ctx, b.s);
  tryTakeover(ctx);
}

/**
 * If this root-group member holds a quorum against the root, takes over: removes the root and the other
 * root-group members it can prove silent. Acts when no lower live member would, or after the grace.
 */
export function tryTakeover(ctx: Ctx): void {
  const s = ctx.s;
  const m = s.membership;
  const p = myPosition(s);
  const root = memberAt(m, 0);
  if (p <= 0 || !inRootGroup(p, s.k) || root === null) return;
  // Grow the set of silent root-group members removable on the evidence held: each one proven by a quorum
  // of the watchers not already in the set (the order the record will list them in).
  const gone: string[] = [];
  const goneSet = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const q of rootGroup(s.k, m.members.length)) {
      const id = memberAt(m, q)!.id;
      if (q === p || goneSet.has(id) || !heldQuorum(s.k, m, id, s.evidence[id] ?? [], goneSet)) continue;
      gone.push(id);
      goneSet.add(id);
      grew = true;
    }
  }
  if (!goneSet.has(root.id)) {
    s.quorumSince = 0;
    return;
  }
  if (s.quorumSince === 0) s.quorumSince = ctx.now;
  if (!noLowerAlive(ctx, p, goneSet) && ctx.now - s.quorumSince < TAKEOVER_GRACE_MS) return;
  // The widest removal the evidence proves, else the root alone (no removed member may vouch for another).
  const record = takeoverRecord(ctx, gone) ?? takeoverRecord(ctx, [root.id]);
  if (record === null) return;
  const { ops, ev } = record;
  ctx.count('takeovers');
  s.quorumSince = 0;
  commit(ctx, ops, ev);
}

/**
 * The ops and evidence removing `gone` in order, if the evidence held proves each removal; else null. The
 * evidence held was verified when it arrived (onSuspect) and is dropped on every install, so no signature
 * is checked again here; receivers check them all (takeoverProblem).
 */
function takeoverRecord(ctx: Ctx, gone: readonly string[]): { ops: MembershipOp[]; ev: Suspicion[] } | null {
  const s = ctx.s;
  const m = s.membership;
  const all = new Set(gone);
  const ops: MembershipOp[] = [];
  const ev: Suspicion[] = [];
  const before = new Set<string>();
  let members = m.members;
  for (const id of gone) {
    if (!heldQuorum(s.k, m, id, s.evidence[id] ?? [], before, all)) return null;
    const at = members.findIndex((r) => r.id === id);
    if (at < 0) return null;
    const op: MembershipOp = { op: 'remove', ref: members[at]!, at, reason: 'dead' };
    const next = applyOps(members, [op]);
    if (next === null) return null;
    ops.push(op);
    ev.push(...watcherSuspicions(s.k, m, id, s.evidence[id] ?? [], before, all));
    before.add(id);
    members = next;
  }
  return { ops, ev };
}

/** True when no root-group member below position p, other than those being removed, was heard lately. */
function noLowerAlive(ctx: Ctx, p: number, gone: ReadonlySet<string>): boolean {
  for (let q = 1; q < p; q++) {
    const ref = memberAt(ctx.s.membership, q);
    if (ref === null || gone.has(ref.id)) continue;
    const heard = ctx.s.lastHeard[ref.id];
    if (heard !== undefined && ctx.now - heard <= PEER_TIMEOUT_MS) return false;
  }
  return true;
}
