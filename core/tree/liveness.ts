// Periodic duties on a tick: heartbeats, silence detection and reports, root takeover,
// orphan probing, partition-healing probes, join and leave retries.
import { retryHops } from './broadcast.ts';
import type { Ctx } from './context.ts';
import { HEARTBEAT_INTERVAL_MS, PEER_TIMEOUT_MS } from '../limits.ts';
import { memberAt, positionOf } from './membership.ts';
import { MSG } from './messages.ts';
import { inRootGroup, parentOf } from './positions.ts';
import { sendJoin } from './joining.ts';
import { expireRequests, retryOutbox } from './routing.ts';
import { commit, finishChecks, removeOp, sendLeave } from './sequencer.ts';
import { suspect, tryTakeover } from './takeover.ts';
import { becomeLeft } from './sync.ts';
import type { NodeRef } from './types.ts';
import { isActive, myPosition, sequencer, treeNeighbours, versionBody, watchedNeighbours } from './view.ts';
import { ORPHAN_AFTER_MS, PROBE_INTERVAL_MS, REPORT_RETRY_MS, TICK_MS } from '../limits.ts';

export function onTick(ctx: Ctx): void {
  const s = ctx.s;
  if (s.phase === 'idle' || s.phase === 'left') return;
  ctx.setTimer(ctx.now + TICK_MS);
  expireRequests(ctx);
  if (s.phase === 'joining') {
    if (ctx.now >= s.nextJoinAt) sendJoin(ctx);
  } else if (isActive(s)) {
    if (s.phase === 'leaving') {
      if (ctx.now >= s.leaveDeadline) {
        becomeLeft(ctx, watchedNeighbours(s, myPosition(s)).values());
        return;
      }
      if (ctx.now >= s.leaveRetryAt) sendLeave(ctx);
    }
    if (ctx.now >= s.nextHeartbeatAt) sendHeartbeats(ctx);
    checkSilence(ctx);
    if (isActive(s)) finishChecks(ctx);
    if (isActive(s) && myPosition(s) > 0 && s.suspects[memberAt(s.membership, 0)!.id] !== undefined) tryTakeover(ctx);
    if (isActive(s)) {
      checkOrphan(ctx);
      probeDeparted(ctx);
    }
  }
  retryOutbox(ctx, false);
  if (isActive(s)) retryHops(ctx);
}

export function sendHeartbeats(ctx: Ctx): void {
  const s = ctx.s;
  s.nextHeartbeatAt = ctx.now + HEARTBEAT_INTERVAL_MS;
  const body = versionBody(s);
  for (const ref of watchedNeighbours(s, myPosition(s)).values()) ctx.send(ref, MSG.heartbeat, body);
}

function checkSilence(ctx: Ctx): void {
  const s = ctx.s;
  const p = myPosition(s);
  const edges = treeNeighbours(s, p);
  for (const [q, ref] of watchedNeighbours(s, p)) {
    const heard = s.lastHeard[ref.id];
    if (heard === undefined) {
      s.lastHeard[ref.id] = ctx.now;
      continue;
    }
    if (ctx.now - heard <= PEER_TIMEOUT_MS) {
      delete s.suspects[ref.id];
      continue;
    }
    if ((s.suspects[ref.id] ?? 0) > ctx.now) continue;
    s.suspects[ref.id] = ctx.now + REPORT_RETRY_MS;
    ctx.count('suspicions');
    if (p === 0) {
      const op = removeOp(s.membership, ref.id, 'dead');
      if (op !== null) commit(ctx, [op]);
      return;
    }
    // A silent root-group member is replaced only on evidence: tell the root group what this relay saw.
    if (inRootGroup(q, s.k)) suspect(ctx, ref);
    if (q === 0) {
      if (inRootGroup(p, s.k)) tryTakeover(ctx);
      if (!isActive(s) || myPosition(s) !== p) return;
      continue;
    }
    if (!edges.has(q)) continue;
    const seq = sequencer(s);
    if (seq !== null) ctx.send(seq, MSG.report, { t: s.treeId, e: s.membership.epoch, dead: ref.id });
  }
}

/** A relay whose parent stays silent with no new epoch probes other members, one per heartbeat. */
function checkOrphan(ctx: Ctx): void {
  const s = ctx.s;
  const p = myPosition(s);
  const parentPos = parentOf(p, s.k);
  const parent = parentPos === null ? null : memberAt(s.membership, parentPos);
  if (parent === null || s.suspects[parent.id] === undefined) {
    s.orphanSince = 0;
    return;
  }
  if (s.orphanSince === 0) s.orphanSince = ctx.now;
  if (ctx.now - s.orphanSince < ORPHAN_AFTER_MS || ctx.now < s.nextProbeAt) return;
  const size = s.membership.members.length;
  for (let i = 0; i < size; i++) {
    const ref = memberAt(s.membership, (s.probeCursor + i) % size)!;
    if (ref.id === s.self.id || ref.id === parent.id) continue;
    s.probeCursor = (s.probeCursor + i + 1) % size;
    sendProbe(ctx, ref);
    return;
  }
}

/** The root probes relays it removed for silence: after a partition heals, the trees merge. */
function probeDeparted(ctx: Ctx): void {
  const s = ctx.s;
  if (myPosition(s) !== 0 || ctx.now < s.nextProbeAt) return;
  const live = s.departed.filter((d) => d.until > ctx.now && positionOf(s.membership, d.ref.id) < 0);
  if (live.length !== s.departed.length) s.departed = live;
  if (live.length === 0) return;
  const target = live[s.probeCursor % live.length]!.ref;
  s.probeCursor = (s.probeCursor + 1) % live.length;
  sendProbe(ctx, target);
}

function sendProbe(ctx: Ctx, to: NodeRef): void {
  ctx.s.nextProbeAt = ctx.now + PROBE_INTERVAL_MS;
  ctx.send(to, MSG.probe, versionBody(ctx.s));
}
