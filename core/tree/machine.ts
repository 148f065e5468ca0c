// step(state, input) → { state, effects }: the tree protocol as one pure function. It never
// throws: hostile messages and impossible commands are counted and dropped (or refused).
import { assertInteger } from '../asserts.ts';
import { LEAVE_TIMEOUT_MS, MAX_MAX_PEERS, TICK_MS } from '../limits.ts';
import { PeerTreeError } from '../errors.ts';
import { retryHops, startBroadcast, onBroadcast, onBroadcastAck, refreshNeighbours } from './broadcast.ts';
import { Ctx } from './context.ts';
import { sendJoin } from './joining.ts';
import { sendHeartbeats, onTick } from './liveness.ts';
import { logIndexOf } from './chain.ts';
import { GENESIS_PREV, recordHash, signRecord } from './epoch-record.ts';
import { copyRef, EMPTY_MEMBERSHIP, positionOf } from './membership.ts';
import { assertContact, assertMembership, assertRef, MSG, parseMessage, type Message } from './messages.ts';
import { enqueue, onAck, onApp, retryOutbox, startRequest } from './routing.ts';
import { heardFrom, onJoin, onLeave, onReport, sendLeave, startLeave } from './sequencer.ts';
import { onSync, onSyncRequest, onUpdate, onVersion, relink } from './sync.ts';
import { onSuspect } from './takeover.ts';
import { VERIFY_ONLY_ENV, type TreeEnv } from './tree-env.ts';
import type { NodeRef, StepResult, TreeInput, TreeState } from './types.ts';
import { isActive, membershipEvent, myPosition, sequencer, versionBody, watchedNeighbours } from './view.ts';

/** The state of a relay that has not joined any tree yet. */
export function initialState(self: NodeRef, k: number): TreeState {
  assertRef(self, 'self');
  assertInteger(k, 'k (max peers)', 2, MAX_MAX_PEERS);
  return {
    self: copyRef(self),
    k,
    treeId: '',
    phase: 'idle',
    membership: EMPTY_MEMBERSHIP,
    log: [],
    admission: '',
    evidence: {},
    quorumSince: 0,
    checks: {},
    contact: null,
    now: 0,
    joinAttempts: 0,
    nextJoinAt: 0,
    nextHeartbeatAt: 0,
    nextProbeAt: 0,
    leaveDeadline: 0,
    leaveRetryAt: 0,
    seq: 0,
    lastHeard: {},
    connected: {},
    suspects: {},
    lastSyncSent: {},
    orphanSince: 0,
    probeCursor: 0,
    departed: [],
    outbox: [],
    requests: {},
    seen: [],
    recent: [],
    hops: [],
    neighbourMap: {},
    counters: {},
  };
}

/** Checks a persisted state read back from storage (throws BAD_INPUT when it is not one). */
export function restoreState(value: unknown): TreeState {
  if (typeof value !== 'object' || value === null)
    throw new PeerTreeError('BAD_INPUT', 'persisted tree state must be an object');
  const v = value as TreeState;
  const base = initialState(v.self, v.k);
  if (!['idle', 'joining', 'member', 'leaving', 'left'].includes(v.phase))
    throw new PeerTreeError('BAD_INPUT', 'bad phase');
  if (v.membership.members.length > 0) assertMembership(v.membership, 'membership');
  if (!Array.isArray(v.outbox) || !Array.isArray(v.seen) || !Array.isArray(v.recent))
    throw new PeerTreeError('BAD_INPUT', 'bad persisted lists');
  if (v.membership.members.length > 0 && (!Array.isArray(v.log) || v.log.length === 0)) {
    throw new PeerTreeError(
      'BAD_INPUT',
      'persisted tree state has no signed membership log (written by an older version)',
    );
  }
  return { ...base, ...v, evidence: {}, checks: {}, quorumSince: 0 };
}

/**
 * Feeds one input to the state machine. Pure: the given state is never modified, and `env` (this relay's
 * signing key, Ed25519 verification, SHA-256) is deterministic.
 */
export function step(state: TreeState, input: TreeInput, env: TreeEnv = VERIFY_ONLY_ENV): StepResult {
  const ctx = new Ctx(state, typeof input.now === 'number' && Number.isFinite(input.now) ? input.now : state.now, env);
  try {
    dispatch(ctx, input);
  } catch (err) {
    if (input.type !== 'message') throw err;
    const fresh = new Ctx(state, ctx.now, env);
    fresh.count(err instanceof PeerTreeError ? 'dropped-bad-input' : 'dropped-internal');
    return fresh.finish();
  }
  return ctx.finish();
}

function dispatch(ctx: Ctx, input: TreeInput): void {
  const s = ctx.s;
  switch (input.type) {
    case 'create':
      if (s.phase !== 'idle' && s.phase !== 'left')
        return ctx.fail('UNAVAILABLE', `cannot create a tree while ${s.phase}`);
      createTree(ctx, input.treeId ?? s.self.id);
      ctx.notify({ type: 'joined', position: 0 });
      ctx.notify(membershipEvent(s));
      ctx.setTimer(ctx.now + TICK_MS);
      return;
    case 'join':
      if (s.phase !== 'idle' && s.phase !== 'left') return ctx.fail('UNAVAILABLE', `cannot join while ${s.phase}`);
      assertContact(input.contact, 'contact');
      // An explicit join starts afresh: the contact's tree may be a new one.
      s.treeId = '';
      s.membership = EMPTY_MEMBERSHIP;
      s.log = [];
      s.admission = input.admission ?? '';
      s.phase = 'joining';
      s.contact = copyRef(input.contact);
      s.joinAttempts = 0;
      sendJoin(ctx);
      ctx.setTimer(ctx.now + TICK_MS);
      return;
    case 'resume':
      return resume(ctx);
    case 'leave':
      return startLeave(ctx);
    case 'tick':
      return onTick(ctx);
    case 'connection':
      if (input.up) {
        s.connected[input.peer] = true;
        retryOutbox(ctx, false, input.peer);
        if (isActive(s)) retryHops(ctx, input.peer);
      } else delete s.connected[input.peer];
      return;
    case 'message':
      return onMessage(ctx, input.from, parseMessage(input.msgType, input.body));
    case 'send': {
      const mid = enqueue(ctx, input.to, input.msgType, input.body, false, null);
      if (mid !== null) ctx.mid = mid;
      return;
    }
    case 'request': {
      const mid = startRequest(ctx, input.to, input.msgType, input.body, input.timeoutMs);
      if (mid !== null) ctx.mid = mid;
      return;
    }
    case 'reply': {
      const mid = enqueue(ctx, { id: input.to }, input.msgType, input.body, false, input.requestId);
      if (mid !== null) ctx.mid = mid;
      return;
    }
    case 'broadcast': {
      const mid = startBroadcast(ctx, input.msgType, input.body);
      if (mid !== null) ctx.mid = mid;
      return;
    }
  }
}

/** The genesis record: this relay, alone at position 0, signed by itself. */
function createTree(ctx: Ctx, treeId: string): void {
  const s = ctx.s;
  const r = signRecord(ctx.env, {
    t: treeId,
    e: 1,
    p: GENESIS_PREV,
    ops: [{ op: 'add', ref: copyRef(s.self), adm: '' }],
    by: s.self.id,
    ev: [],
  });
  s.membership = { epoch: 1, digest: recordHash(ctx.env, r), members: [copyRef(s.self)] };
  s.log = [r];
  s.treeId = treeId;
  s.phase = 'member';
}

/** Tree messages that speak about membership: taken only from relays this one knows (see knownSender). */
const GATED: ReadonlySet<string> = new Set([
  MSG.heartbeat,
  MSG.probe,
  MSG.syncRequest,
  MSG.sync,
  MSG.update,
  MSG.report,
  MSG.leave,
  MSG.suspect,
  MSG.broadcast,
]);
/** Of those, the ones only a current member may send. */
const MEMBERS_ONLY: ReadonlySet<string> = new Set([MSG.report, MSG.leave, MSG.suspect, MSG.broadcast]);

/**
 * Whether a gated message from `from` is heard at all: from a current member; from a relay removed lately
 * (departed) or this joiner's contact; or carrying a version from this relay's own history (a relay that
 * was away and shares it). A claimed role grants nothing; everyone else is dropped and counted.
 */
function knownSender(ctx: Ctx, from: string, msg: Message): boolean {
  const s = ctx.s;
  if (positionOf(s.membership, from) >= 0) return true;
  if (MEMBERS_ONLY.has(msg.type)) return false;
  if (s.contact !== null && s.contact.id === from) return true;
  if (s.departed.some((d) => d.ref.id === from)) return true;
  const b = msg.body as { e?: unknown; d?: unknown; recs?: readonly { e: number; p: string }[] };
  if (typeof b.e === 'number' && typeof b.d === 'string') return logIndexOf(ctx.env, s.log, b.e, b.d) >= 0;
  if (Array.isArray(b.recs) && b.recs.length > 0) {
    const first = b.recs[0]!;
    return logIndexOf(ctx.env, s.log, first.e - 1, first.p) >= 0;
  }
  return false;
}

/** After a restart from persisted state: forget volatile links, re-announce, re-send. */
function resume(ctx: Ctx): void {
  const s = ctx.s;
  s.lastHeard = {};
  s.connected = {};
  s.suspects = {};
  s.lastSyncSent = {};
  s.orphanSince = 0;
  s.hops = [];
  s.neighbourMap = {};
  if (s.phase === 'idle' || s.phase === 'left') return;
  ctx.setTimer(ctx.now + TICK_MS);
  if (s.phase === 'joining') {
    sendJoin(ctx);
  } else if (isActive(s)) {
    relink(ctx, new Map());
    refreshNeighbours(ctx);
    sendHeartbeats(ctx);
    const seq = sequencer(s);
    if (seq !== null && seq.id !== s.self.id) ctx.send(seq, MSG.probe, versionBody(s));
    if (s.phase === 'leaving') {
      s.leaveDeadline = ctx.now + LEAVE_TIMEOUT_MS;
      sendLeave(ctx);
    }
  } else {
    // A member whose view no longer holds it: ask to join again.
    s.phase = 'joining';
    s.contact = sequencer(s);
    sendJoin(ctx);
  }
  retryOutbox(ctx, true);
}

function onMessage(ctx: Ctx, from: string, msg: Message): void {
  const s = ctx.s;
  if (typeof from !== 'string' || from.length === 0) throw new PeerTreeError('BAD_INPUT', 'sender id missing');
  if ('from' in msg.body && (msg.body as { from: NodeRef }).from.id !== from) {
    ctx.count('dropped-spoofed');
    return;
  }
  if ('t' in msg.body && msg.type !== MSG.join && msg.type !== MSG.sync && s.treeId !== '' && msg.body.t !== s.treeId) {
    ctx.count('foreign-tree');
    return;
  }
  if (GATED.has(msg.type) && !knownSender(ctx, from, msg)) {
    ctx.count('dropped-non-member');
    return;
  }
  heardFrom(ctx, from);
  if (msg.type === MSG.heartbeat && s.lastHeard[from] !== undefined) {
    s.lastHeard[from] = ctx.now;
    delete s.suspects[from];
  }
  switch (msg.type) {
    case 'tree.hb':
    case 'tree.probe':
      return onVersion(ctx, msg.type, msg.body);
    case 'tree.syncreq':
      return onSyncRequest(ctx, msg.body);
    case 'tree.sync':
      return onSync(ctx, from, msg.body);
    case 'tree.update':
      return onUpdate(ctx, from, msg.body);
    case 'tree.join':
      return onJoin(ctx, from, msg.body);
    case 'tree.report':
      return onReport(ctx, msg.body);
    case 'tree.leave':
      return onLeave(ctx, msg.body);
    case 'tree.suspect':
      return onSuspect(ctx, from, msg.body);
    case 'tree.app':
      return onApp(ctx, msg.body);
    case 'tree.ack':
      return onAck(ctx, msg.body);
    case 'tree.bcast':
      return onBroadcast(ctx, from, msg.body);
    case 'tree.back':
      return onBroadcastAck(ctx, from, msg.body.mid);
  }
}

/** Status fields of DESIGN.md's /api/status that the tree knows. */
export function treeStatus(s: TreeState): {
  id: string;
  treeId: string;
  position: number;
  epoch: number;
  parent: string | null;
  children: string[];
  size: number;
  depth: number;
  outbox: number;
  phase: string;
} {
  const ev = membershipEvent(s);
  if (ev.type !== 'membership') throw new Error('unreachable');
  const active = isActive(s);
  return {
    id: s.self.id,
    treeId: s.treeId,
    position: active ? myPosition(s) : -1,
    epoch: s.membership.epoch,
    parent: active ? ev.parent : null,
    children: active ? [...ev.children] : [],
    size: s.membership.members.length,
    depth: ev.depth,
    outbox: s.outbox.length,
    phase: s.phase,
  };
}

export { positionOf, watchedNeighbours };
