// The sequencer (position 0, or a root-group member taking over from a dead root) orders every
// membership change: it bumps the epoch, installs the change and floods it over tree edges.
import type { Ctx } from './context.ts';
import { LEAVE_TIMEOUT_MS, MAX_JOIN_HOPS, PEER_TIMEOUT_MS } from './constants.ts';
import { applyOps, compareVersions, memberAt, positionOf } from './membership.ts';
import { MSG, type JoinBody } from './messages.ts';
import type { MembershipOp, NodeRef } from './types.ts';
import { becomeLeft, floodUpdate, install, knowsView, sendSync } from './sync.ts';
import { isActive, myPosition, sequencer, watchedNeighbours } from './view.ts';

/** Applies ops as the next epoch and disseminates them. False when they do not apply. */
export function commit(ctx: Ctx, ops: readonly MembershipOp[]): boolean {
  const s = ctx.s;
  const before = s.membership;
  const m = applyOps(before, ops);
  if (m === null) return false;
  const removed = ops.flatMap((op) => (op.op === 'remove' ? [memberAt(before, positionOf(before, op.id))!] : []));
  const dead = ops.flatMap((op) => (op.op === 'remove' && op.reason === 'dead' ? [memberAt(before, positionOf(before, op.id))!] : []));
  const body = { t: s.treeId, pe: before.epoch, pd: before.digest, e: m.epoch, d: m.digest, ops };
  ctx.count('epochs-sequenced');
  install(ctx, m, null, dead);
  floodUpdate(ctx, body, null);
  for (const ref of removed) ctx.send(ref, MSG.update, body);
  return true;
}

export function isSequencer(ctx: Ctx): boolean {
  return isActive(ctx.s) && myPosition(ctx.s) === 0;
}

/** A join request: the sequencer appends the relay; anyone else forwards it toward position 0. */
export function onJoin(ctx: Ctx, b: JoinBody): void {
  const s = ctx.s;
  // A joiner that my newer view already names as a member only needs that view.
  if (b.ref.id !== s.self.id && knowsView(ctx) && positionOf(s.membership, b.ref.id) >= 0 && compareVersions(s.membership, { epoch: b.e, digest: b.d }) > 0) {
    sendSync(ctx, b.ref);
    if (!isSequencer(ctx)) return;
  }
  if (b.ref.id === s.self.id || (b.t !== '' && s.treeId !== '' && b.t !== s.treeId)) {
    ctx.count('join-refused');
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
  if (positionOf(s.membership, b.ref.id) < 0) commit(ctx, [{ op: 'add', ref: { id: b.ref.id, url: b.ref.url } }]);
  sendSync(ctx, b.ref, true);
}

/** A neighbour reported dead: the sequencer removes it unless it hears the relay itself. */
export function onReport(ctx: Ctx, b: { dead: string }): void {
  const s = ctx.s;
  if (!isSequencer(ctx) || b.dead === s.self.id || positionOf(s.membership, b.dead) < 0) return;
  const heard = s.lastHeard[b.dead];
  if (heard !== undefined && ctx.now - heard <= PEER_TIMEOUT_MS) {
    ctx.count('report-overruled');
    return;
  }
  commit(ctx, [{ op: 'remove', id: b.dead, reason: 'dead' }]);
}

export function onLeave(ctx: Ctx, b: { from: NodeRef }): void {
  if (!isSequencer(ctx) || positionOf(ctx.s.membership, b.from.id) < 0) return;
  commit(ctx, [{ op: 'remove', id: b.from.id, reason: 'left' }]);
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
    commit(ctx, [{ op: 'remove', id: s.self.id, reason: 'left' }]);
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

/** The root is silent and no lower root-group member is alive: remove the root in its stead. */
export function takeOver(ctx: Ctx, root: NodeRef): void {
  ctx.count('takeovers');
  commit(ctx, [{ op: 'remove', id: root.id, reason: 'dead' }]);
}
