// The sequencer (position 0, or a root-group member taking over from a dead root with a quorum of
// evidence) orders every membership change: it signs the next epoch's record, installs it and floods
// it over tree edges. Reports of a dead member are checked by the sequencer itself before it acts.
import type { Ctx } from './context.ts';
import { PEER_TIMEOUT_MS } from '../limits.ts';
import { extendLog, logIndexOf } from './chain.ts';
import { recordHash, signRecord, type Suspicion } from './epoch-record.ts';
import { applyOps, copyRef, memberAt, positionOf } from './membership.ts';
import { MSG, type JoinBody } from './messages.ts';
import type { Membership, MembershipOp, NodeRef } from './types.ts';
import { becomeLeft, floodUpdate, install, knowsView, sendSync } from './sync.ts';
import { isActive, myPosition, sequencer, treeNeighbours, versionBody, watchedNeighbours } from './view.ts';
import { CONFIRM_MS, LEAVE_TIMEOUT_MS, MAX_JOIN_HOPS, MAX_TREE_CHECKS } from '../limits.ts';

/** The op that removes member `id` from `m` (null when it is not a member). */
export function removeOp(m: Membership, id: string, reason: 'left' | 'dead'): MembershipOp | null {
  const at = positionOf(m, id);
  return at < 0 ? null : { op: 'remove', ref: copyRef(m.members[at]!), at, reason };
}

/** Signs ops as the next epoch, installs and disseminates them. False when they do not apply. */
export function commit(ctx: Ctx, ops: readonly MembershipOp[], ev: readonly Suspicion[] = []): boolean {
  const s = ctx.s;
  const before = s.membership;
  const members = applyOps(before.members, ops);
  if (members === null) return false;
  const r = signRecord(ctx.env, { t: s.treeId, e: before.epoch + 1, p: before.digest, ops, by: s.self.id, ev });
  const m: Membership = { epoch: r.e, digest: recordHash(ctx.env, r), members };
  const removed = ops.flatMap((op) => (op.op === 'remove' ? [op.ref] : []));
  const dead = ops.flatMap((op) => (op.op === 'remove' && op.reason === 'dead' ? [op.ref] : []));
  const body = { t: s.treeId, r };
  // A root that removes itself (its leave) is no longer active once it installs the record: it hands the
  // record to its old tree neighbours, who flood it on.
  const oldNeighbours = isActive(s) ? [...treeNeighbours(s, myPosition(s)).values()] : [];
  ctx.count('epochs-sequenced');
  install(ctx, m, extendLog(s.log, [r]), null, dead);
  if (isActive(s)) floodUpdate(ctx, body, null);
  else for (const ref of oldNeighbours) ctx.send(ref, MSG.update, body);
  for (const ref of removed) ctx.send(ref, MSG.update, body);
  return true;
}

export function isSequencer(ctx: Ctx): boolean {
  return isActive(ctx.s) && myPosition(ctx.s) === 0;
}

/** A join request: the sequencer appends the relay; anyone else forwards it toward position 0. */
export function onJoin(ctx: Ctx, from: string, b: JoinBody): void {
  const s = ctx.s;
  if (b.hops === 0 && b.ref.id !== from) {
    ctx.count('dropped-spoofed');
    return;
  }
  if (b.ref.id === s.self.id || (b.t !== '' && s.treeId !== '' && b.t !== s.treeId)) {
    ctx.count('join-refused');
    return;
  }
  // The contact gives a joiner that shares none of its history its view (the joiner trusts it: it chose it).
  const known = logIndexOf(ctx.env, s.log, b.e, b.d) >= 0;
  if (b.hops === 0 && knowsView(ctx) && !known) sendSync(ctx, b.ref, null);
  // A joiner that the view already names as a member only needs the records it lacks.
  if (knowsView(ctx) && positionOf(s.membership, b.ref.id) >= 0) {
    if (known) sendSync(ctx, b.ref, { e: b.e, d: b.d }, isSequencer(ctx));
    return;
  }
  if (!isSequencer(ctx) || s.phase === 'leaving') {
    const seq = sequencer(s);
    if (seq === null || seq.id === s.self.id || b.hops + 1 > MAX_JOIN_HOPS) {
      ctx.count('join-dropped');
      return;
    }
    ctx.send(seq, MSG.join, { ...b, hops: b.hops + 1 });
    return;
  }
  if (positionOf(s.membership, b.ref.id) < 0) {
    const adm = admissionFor(ctx, b);
    if (adm === null) {
      ctx.count('join-not-admitted');
      return;
    }
    if (!commit(ctx, [{ op: 'add', ref: copyRef(b.ref), adm }])) return;
  }
  sendSync(ctx, b.ref, known ? { e: b.e, d: b.d } : null, true);
}

/** What to record as the joiner's admission: its token if the tree accepts it, else the allowlist, else null. */
function admissionFor(ctx: Ctx, b: JoinBody): string | null {
  const t = ctx.s.treeId;
  if (ctx.env.admits(b.ref.id, b.adm, t)) return b.adm;
  if (ctx.env.admits(b.ref.id, 'allow', t)) return 'allow';
  return null;
}

/**
 * A member reported dead. The sequencer removes it at once only when it watches the relay itself and has
 * not heard it; otherwise it probes the relay and removes it only if no answer comes within CONFIRM_MS.
 */
export function onReport(ctx: Ctx, b: { dead: string }): void {
  const s = ctx.s;
  if (!isSequencer(ctx) || b.dead === s.self.id || positionOf(s.membership, b.dead) < 0) return;
  const heard = s.lastHeard[b.dead];
  if (heard !== undefined) {
    if (ctx.now - heard <= PEER_TIMEOUT_MS) {
      ctx.count('report-overruled');
      return;
    }
    const op = removeOp(s.membership, b.dead, 'dead');
    if (op !== null) commit(ctx, [op]);
    return;
  }
  if (s.checks[b.dead] !== undefined || Object.keys(s.checks).length >= MAX_TREE_CHECKS) return;
  const ref = memberAt(s.membership, positionOf(s.membership, b.dead))!;
  s.checks[b.dead] = ctx.now + CONFIRM_MS;
  ctx.count('reports-checked');
  ctx.connect(ref);
  ctx.send(ref, MSG.probe, versionBody(s));
}

/** Anything heard from a relay being checked proves it alive. */
export function heardFrom(ctx: Ctx, id: string): void {
  if (ctx.s.checks[id] === undefined) return;
  delete ctx.s.checks[id];
  ctx.count('report-overruled');
}

/** On a tick: relays that stayed silent through their check are removed. */
export function finishChecks(ctx: Ctx): void {
  const s = ctx.s;
  for (const [id, deadline] of Object.entries(s.checks)) {
    if (deadline > ctx.now) continue;
    delete s.checks[id];
    if (!isSequencer(ctx)) continue;
    const op = removeOp(s.membership, id, 'dead');
    const watched = [...watchedNeighbours(s, myPosition(s)).values()].some((r) => r.id === id);
    if (op !== null && !watched) ctx.disconnect(op.ref);
    if (op !== null) commit(ctx, [op]);
  }
}

export function onLeave(ctx: Ctx, b: { from: NodeRef }): void {
  if (!isSequencer(ctx)) return;
  const op = removeOp(ctx.s.membership, b.from.id, 'left');
  if (op !== null) commit(ctx, [op]);
}

/** Local command: leave gracefully (the sequencer removes itself directly). */
export function startLeave(ctx: Ctx): void {
  const s = ctx.s;
  if (!isActive(s)) {
    if (s.phase !== 'left') becomeLeft(ctx, []);
    return;
  }
  s.phase = 'leaving';
  s.leaveDeadline = ctx.now + LEAVE_TIMEOUT_MS;
  if (myPosition(s) === 0) {
    const neighbours = [...watchedNeighbours(s, 0).values()];
    const op = removeOp(s.membership, s.self.id, 'left');
    if (op !== null) commit(ctx, [op]);
    if ((s.phase as string) !== 'left') becomeLeft(ctx, neighbours);
    return;
  }
  sendLeave(ctx);
}

export function sendLeave(ctx: Ctx): void {
  const seq = sequencer(ctx.s);
  ctx.s.leaveRetryAt = ctx.now + 1_000;
  if (seq !== null) ctx.send(seq, MSG.leave, { t: ctx.s.treeId, e: ctx.s.membership.epoch, from: ctx.s.self });
}
