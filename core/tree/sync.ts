// Dissemination of the membership: installing a new view, updates flooded over tree edges,
// full syncs on a gap or divergence, and the version comparison carried by heartbeats and probes.
import { refreshNeighbours } from './broadcast.ts';
import type { Ctx } from './context.ts';
import { DEPARTED_TTL_MS, MAX_DEPARTED, SYNC_GAP_MS } from './constants.ts';
import { applyOps, compareVersions, memberAt, positionOf } from './membership.ts';
import { MSG, type UpdateBody, type VersionBody } from './messages.ts';
import { retryOutbox } from './routing.ts';
import type { Membership, NodeRef } from './types.ts';
import { isActive, membershipEvent, myPosition, treeNeighbours, versionBody, watchedNeighbours } from './view.ts';
import { sendJoin } from './joining.ts';

export function refOf(ctx: Ctx, id: string): NodeRef | null {
  return memberAt(ctx.s.membership, positionOf(ctx.s.membership, id));
}

/** Sends this relay's full membership to `to`, at most once per SYNC_GAP_MS per peer. */
export function sendSync(ctx: Ctx, to: NodeRef, force = false): void {
  const last = ctx.s.lastSyncSent[to.id];
  if (!force && last !== undefined && ctx.now - last < SYNC_GAP_MS) return;
  ctx.s.lastSyncSent[to.id] = ctx.now;
  ctx.send(to, MSG.sync, { t: ctx.s.treeId, m: ctx.s.membership, from: ctx.s.self });
}

function requestSync(ctx: Ctx, to: NodeRef): void {
  const key = `?${to.id}`;
  const last = ctx.s.lastSyncSent[key];
  if (last !== undefined && ctx.now - last < SYNC_GAP_MS) return;
  ctx.s.lastSyncSent[key] = ctx.now;
  ctx.send(to, MSG.syncRequest, versionBody(ctx.s));
}

/** The relay left the tree for good (until told to join again). */
export function becomeLeft(ctx: Ctx, neighbours: Iterable<NodeRef>): void {
  ctx.s.phase = 'left';
  ctx.s.hops = [];
  ctx.s.neighbourMap = {};
  ctx.s.lastHeard = {};
  ctx.s.suspects = {};
  for (const ref of neighbours) ctx.disconnect(ref);
  ctx.notify({ type: 'left' });
}

/**
 * Installs a membership that wins over the current one. Handles joining (now a member),
 * removal (rejoin, and pass the winning view to the old neighbours), and the links to keep.
 */
export function install(ctx: Ctx, m: Membership, via: NodeRef | null, departed: readonly NodeRef[] = []): void {
  const s = ctx.s;
  const oldWatched = isActive(s) ? watchedNeighbours(s, myPosition(s)) : new Map<number, NodeRef>();
  s.membership = m;
  s.orphanSince = 0;
  rememberDeparted(ctx, departed);
  const pos = positionOf(m, s.self.id);
  if (pos >= 0 && s.phase === 'joining') {
    s.phase = 'member';
    s.contact = null;
    ctx.notify({ type: 'joined', position: pos });
  } else if (pos < 0 && s.phase === 'leaving') {
    becomeLeft(ctx, oldWatched.values());
    return;
  } else if (pos < 0 && s.phase === 'member') {
    for (const ref of oldWatched.values()) if (positionOf(m, ref.id) < 0) ctx.send(ref, MSG.sync, { t: s.treeId, m, from: s.self });
    s.phase = 'joining';
    s.contact = via ?? memberAt(m, 0);
    s.joinAttempts = 0;
    ctx.notify({ type: 'removed' });
    sendJoin(ctx);
  }
  relink(ctx, oldWatched);
  refreshNeighbours(ctx);
  retryOutbox(ctx, true);
  if (isActive(s)) ctx.notify(membershipEvent(s));
}

function rememberDeparted(ctx: Ctx, departed: readonly NodeRef[]): void {
  const s = ctx.s;
  const live = s.departed.filter((d) => d.until > ctx.now && positionOf(s.membership, d.ref.id) < 0 && !departed.some((x) => x.id === d.ref.id));
  const added = departed.filter((ref) => ref.id !== s.self.id).map((ref) => ({ ref, until: ctx.now + DEPARTED_TTL_MS }));
  if (added.length > 0 || live.length !== s.departed.length) s.departed = [...live, ...added].slice(-MAX_DEPARTED);
}

/** Connects to new neighbours, disconnects old ones, and starts their silence clocks now. */
export function relink(ctx: Ctx, oldWatched: Map<number, NodeRef>): void {
  const s = ctx.s;
  const now = isActive(s) ? watchedNeighbours(s, myPosition(s)) : new Map<number, NodeRef>();
  const oldIds = new Set([...oldWatched.values()].map((r) => r.id));
  const newIds = new Set([...now.values()].map((r) => r.id));
  for (const ref of now.values()) {
    if (!oldIds.has(ref.id)) {
      ctx.connect(ref);
      s.lastHeard[ref.id] = ctx.now;
      delete s.suspects[ref.id];
    }
  }
  for (const ref of oldWatched.values()) if (!newIds.has(ref.id)) ctx.disconnect(ref);
  for (const id of Object.keys(s.lastHeard)) if (!newIds.has(id)) delete s.lastHeard[id];
  for (const id of Object.keys(s.suspects)) if (!newIds.has(id)) delete s.suspects[id];
}

/** Sends an update to every tree neighbour of the (new) view except `exceptId`. */
export function floodUpdate(ctx: Ctx, body: UpdateBody, exceptId: string | null): void {
  if (!isActive(ctx.s)) return;
  for (const ref of treeNeighbours(ctx.s, myPosition(ctx.s)).values()) if (ref.id !== exceptId) ctx.send(ref, MSG.update, body);
}

export function onUpdate(ctx: Ctx, from: string, b: UpdateBody): void {
  const s = ctx.s;
  if (!isActive(s) || b.t !== s.treeId) {
    // A joining relay may be named in a newer view it never received: ask for it.
    const sender = refOf(ctx, from);
    if (s.phase === 'joining' && s.membership.members.length > 0 && sender !== null && compareVersions({ epoch: b.e, digest: b.d }, s.membership) > 0) requestSync(ctx, sender);
    else ctx.count('update-ignored');
    return;
  }
  if (compareVersions({ epoch: b.e, digest: b.d }, s.membership) <= 0) return;
  const sender = refOf(ctx, from);
  if (s.membership.epoch !== b.pe || s.membership.digest !== b.pd) {
    if (sender !== null) requestSync(ctx, sender);
    return;
  }
  const m = applyOps(s.membership, b.ops);
  if (m === null || m.digest !== b.d) {
    ctx.count('bad-update');
    if (sender !== null) requestSync(ctx, sender);
    return;
  }
  const departed = b.ops.flatMap((op) => (op.op === 'remove' && op.reason === 'dead' ? [refOf(ctx, op.id)!] : []));
  install(ctx, m, sender, departed);
  floodUpdate(ctx, b, from);
}

export function onSync(ctx: Ctx, b: { t: string; m: Membership; from: NodeRef }): void {
  const s = ctx.s;
  if (s.phase === 'idle' || s.phase === 'left') return;
  if (s.treeId !== '' && b.t !== s.treeId) {
    ctx.count('foreign-tree');
    return;
  }
  const order = compareVersions(b.m, s.membership);
  if (order > 0) {
    s.treeId = b.t;
    const removed = s.membership.members.length > 0 && s.membership.members.length <= 4096
      ? s.membership.members.filter((r) => positionOf(b.m, r.id) < 0)
      : [];
    install(ctx, b.m, b.from, removed);
  } else if (order < 0 && isActive(s)) {
    sendSync(ctx, b.from);
  }
}

/** A relay that knows a view (even one it is not in, while joining) can share it. */
export function knowsView(ctx: Ctx): boolean {
  return isActive(ctx.s) || ((ctx.s.phase === 'joining' || ctx.s.phase === 'left') && ctx.s.membership.members.length > 0);
}

export function onSyncRequest(ctx: Ctx, b: VersionBody): void {
  if (knowsView(ctx) && compareVersions(ctx.s.membership, { epoch: b.e, digest: b.d }) !== 0) sendSync(ctx, b.from);
}

/** Heartbeats and probes carry a version: the winner pushes its membership to the loser. */
export function onVersion(ctx: Ctx, type: 'tree.hb' | 'tree.probe', b: VersionBody): void {
  const s = ctx.s;
  if (!knowsView(ctx)) return;
  const order = compareVersions(s.membership, { epoch: b.e, digest: b.d });
  if (order > 0) sendSync(ctx, b.from);
  else if (order < 0 && isActive(s)) {
    if (type === MSG.probe) ctx.send(b.from, MSG.probe, versionBody(s));
    else requestSync(ctx, b.from);
  }
}
