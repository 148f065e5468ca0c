// Dissemination of the membership: installing a verified view, updates (one signed record) flooded over
// tree edges, syncs (the records a peer lacks) on a gap or a fork, and the version comparison carried by
// heartbeats and probes. Nothing here installs a view it has not checked against the one it trusts,
// except a joiner's first view, which it takes from the contact it was told to join through.
import { refreshNeighbours } from './broadcast.ts';
import { extendLog, fitRecords, isChain, logIndexOf, verifyNext } from './chain.ts';
import type { Ctx } from './context.ts';
import { recordHash, type EpochRecord } from './epoch-record.ts';
import { compareVersions, memberAt, positionOf } from './membership.ts';
import { MSG, type SyncBody, type UpdateBody, type VersionBody } from './messages.ts';
import { retryOutbox } from './routing.ts';
import type { Membership, NodeRef } from './types.ts';
import { isActive, membershipEvent, myPosition, treeNeighbours, versionBody, watchedNeighbours } from './view.ts';
import { sendJoin } from './joining.ts';
import { DEPARTED_TTL_MS, MAX_DEPARTED, SYNC_GAP_MS } from '../limits.ts';

export function refOf(ctx: Ctx, id: string): NodeRef | null {
  return memberAt(ctx.s.membership, positionOf(ctx.s.membership, id));
}

/**
 * Sends `to` what it lacks, at most once per SYNC_GAP_MS per peer: the records after its version when
 * this relay's log holds that version, else the whole log and the membership as a checkpoint.
 */
export function sendSync(ctx: Ctx, to: NodeRef, theirs: { e: number; d: string } | null, force = false): void {
  const s = ctx.s;
  if (s.membership.members.length === 0) return;
  const last = s.lastSyncSent[to.id];
  if (!force && last !== undefined && ctx.now - last < SYNC_GAP_MS) return;
  const i = theirs === null ? -1 : logIndexOf(ctx.env, s.log, theirs.e, theirs.d);
  if (i === s.log.length - 1 && i >= 0) return;
  s.lastSyncSent[to.id] = ctx.now;
  const body: SyncBody =
    i >= 0
      ? { t: s.treeId, recs: s.log.slice(i + 1), m: null, from: s.self }
      : { t: s.treeId, recs: s.log, m: s.membership, from: s.self };
  ctx.send(to, MSG.sync, body);
}

export function requestSync(ctx: Ctx, to: NodeRef): void {
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
 * Installs a checked membership and its log. Handles joining (now a member), removal (rejoin, and pass
 * the records on to the old neighbours), and the links to keep.
 */
export function install(
  ctx: Ctx,
  m: Membership,
  log: readonly EpochRecord[],
  via: NodeRef | null,
  departed: readonly NodeRef[] = [],
): void {
  const s = ctx.s;
  const before = { e: s.membership.epoch, d: s.membership.digest };
  const oldWatched = isActive(s) ? watchedNeighbours(s, myPosition(s)) : new Map<number, NodeRef>();
  s.membership = m;
  s.log = log;
  s.orphanSince = 0;
  s.evidence = {};
  s.quorumSince = 0;
  for (const id of Object.keys(s.checks)) if (positionOf(m, id) < 0) delete s.checks[id];
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
    for (const ref of oldWatched.values()) if (positionOf(m, ref.id) < 0) sendSync(ctx, ref, before, true);
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
  const live = s.departed.filter(
    (d) => d.until > ctx.now && positionOf(s.membership, d.ref.id) < 0 && !departed.some((x) => x.id === d.ref.id),
  );
  const added = departed
    .filter((ref) => ref.id !== s.self.id && positionOf(s.membership, ref.id) < 0)
    .map((ref) => ({ ref, until: ctx.now + DEPARTED_TTL_MS }));
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
  for (const ref of treeNeighbours(ctx.s, myPosition(ctx.s)).values())
    if (ref.id !== exceptId) ctx.send(ref, MSG.update, body);
}

/** Members of `before` that `after` no longer holds (for the departed list and repair). */
function removedBetween(before: Membership, after: Membership): NodeRef[] {
  if (before.members.length === 0 || before.members.length > 4096) return [];
  return before.members.filter((r) => positionOf(after, r.id) < 0);
}

/** A relay that knows a view (even one it is not in, while joining) can check and share records. */
export function knowsView(ctx: Ctx): boolean {
  return ctx.s.phase !== 'idle' && ctx.s.membership.members.length > 0;
}

export function onUpdate(ctx: Ctx, from: string, b: UpdateBody): void {
  const s = ctx.s;
  const sender = refOf(ctx, from);
  if (!knowsView(ctx) || b.t !== s.treeId || s.phase === 'left') {
    ctx.count('update-ignored');
    return;
  }
  const r = b.r;
  if (r.e <= s.membership.epoch) {
    // Old news, unless it differs from the record this relay holds for that epoch: a fork to look at.
    const i = r.e - (s.log[0]?.e ?? 0);
    if (sender !== null && i >= 0 && i < s.log.length && recordHash(ctx.env, s.log[i]!) !== recordHash(ctx.env, r))
      requestSync(ctx, sender);
    return;
  }
  if (r.e !== s.membership.epoch + 1 || r.p !== s.membership.digest) {
    if (sender !== null) requestSync(ctx, sender);
    return;
  }
  const v = verifyNext(ctx.env, s.k, s.treeId, s.membership, r);
  if (!v.ok) {
    ctx.count(`bad-record:${v.reason}`);
    return;
  }
  const dead = r.ops.flatMap((op) => (op.op === 'remove' && op.reason === 'dead' ? [op.ref] : []));
  install(ctx, v.membership, extendLog(s.log, [r]), sender, dead);
  floodUpdate(ctx, b, from);
}

export function onSync(ctx: Ctx, from: string, b: SyncBody): void {
  const s = ctx.s;
  if (s.phase === 'idle' || s.phase === 'left') return;
  if (s.treeId !== '' && b.t !== s.treeId) {
    ctx.count('foreign-tree');
    return;
  }
  if (s.membership.members.length === 0) return adoptCheckpoint(ctx, from, b);
  const fit = fitRecords(ctx.env, s.k, s.treeId, s.membership, s.log, b.recs);
  switch (fit.kind) {
    case 'same':
      return;
    case 'invalid':
      ctx.count(`bad-record:${fit.reason}`);
      return;
    case 'unattached':
      // Nothing here can be checked against this relay's history. A joining relay (one that was away long)
      // may start afresh from its contact's checkpoint; a member keeps the view it has.
      if (s.phase === 'joining' && s.contact !== null && from === s.contact.id && b.m !== null)
        return adoptCheckpoint(ctx, from, b);
      ctx.count('sync-unattached');
      return;
    case 'ahead':
    case 'fork': {
      if (fit.kind === 'fork') {
        if (fit.equivocation) ctx.count('equivocation');
        if (!fit.wins) {
          ctx.count('fork-kept');
          const last = b.recs[b.recs.length - 1]!;
          sendSync(ctx, b.from, { e: last.e, d: recordHash(ctx.env, last) });
          return;
        }
        ctx.count('fork-merged');
      }
      const before = s.membership;
      install(ctx, fit.membership, fit.log, refOf(ctx, from) ?? b.from, removedBetween(before, fit.membership));
      return;
    }
  }
}

/** A joiner's first view: only from its contact, and only a consistent one (the log ends in the view). */
function adoptCheckpoint(ctx: Ctx, from: string, b: SyncBody): void {
  const s = ctx.s;
  const m = b.m;
  if (s.phase !== 'joining' || s.contact === null || from !== s.contact.id || m === null) {
    ctx.count('sync-untrusted');
    return;
  }
  const last = b.recs[b.recs.length - 1];
  if (
    last === undefined ||
    !isChain(ctx.env, b.recs) ||
    last.e !== m.epoch ||
    recordHash(ctx.env, last) !== m.digest ||
    last.t !== b.t
  ) {
    ctx.count('bad-checkpoint');
    return;
  }
  s.treeId = b.t;
  install(ctx, m, b.recs, b.from, []);
}

export function onSyncRequest(ctx: Ctx, b: VersionBody): void {
  if (knowsView(ctx) && compareVersions(ctx.s.membership, { epoch: b.e, digest: b.d }) !== 0)
    sendSync(ctx, b.from, { e: b.e, d: b.d });
}

/**
 * Heartbeats and probes carry a version. A peer behind on this relay's chain gets the records it lacks;
 * a peer ahead (or on another branch) is asked for its records. A probe is always answered, so the
 * prober learns that this relay is alive.
 */
export function onVersion(ctx: Ctx, type: 'tree.hb' | 'tree.probe', b: VersionBody): void {
  const s = ctx.s;
  if (!knowsView(ctx)) return;
  if (b.e !== s.membership.epoch || b.d !== s.membership.digest) {
    if (logIndexOf(ctx.env, s.log, b.e, b.d) >= 0) sendSync(ctx, b.from, { e: b.e, d: b.d });
    else if (compareVersions({ epoch: b.e, digest: b.d }, s.membership) > 0) requestSync(ctx, b.from);
    else sendSync(ctx, b.from, null);
  }
  if (type === MSG.probe && isActive(s)) ctx.send(b.from, MSG.heartbeat, versionBody(s));
}
