// Directed messages: the next hop toward a relay (direct when connected, else along tree edges),
// the persistent outbox (bounded, re-sent until acknowledged), de-duplication and requests.
import { MAX_HOPS, MAX_OUTBOX_MESSAGES, MAX_SEEN_IDS, MAX_TREE_PENDING_REQUESTS, OUTBOX_RETRY_MS } from '../limits.ts';
import type { Ctx } from './context.ts';
import { memberAt, positionOf } from './membership.ts';
import { MSG, type AppBody } from './messages.ts';
import { nextHopToward } from './positions.ts';
import type { NodeRef, OutboxEntry, Target, TreeState } from './types.ts';
import { isActive, myPosition } from './view.ts';

/** Where to send a message for relay `dst` (or position `dpos`) next: 'self', a relay, or null. */
export function nextHop(s: TreeState, dst: string | null, dpos: number | null): NodeRef | 'self' | null {
  const target = dst ?? (dpos !== null ? memberAt(s.membership, dpos)?.id : undefined);
  if (target === undefined) return null;
  if (target === s.self.id) return 'self';
  const tpos = positionOf(s.membership, target);
  if (tpos < 0) return null;
  const ref = s.membership.members[tpos]!;
  const mine = myPosition(s);
  if (s.connected[target] === true || !isActive(s) || mine < 0) return ref;
  return memberAt(s.membership, nextHopToward(mine, tpos, s.k)!);
}

export function hasSeen(s: TreeState, mid: string): boolean {
  return s.seen.includes(mid);
}

export function markSeen(ctx: Ctx, mid: string): void {
  const seen = ctx.s.seen;
  ctx.s.seen = seen.length >= MAX_SEEN_IDS ? [...seen.slice(seen.length - MAX_SEEN_IDS + 1), mid] : [...seen, mid];
}

export function newMid(ctx: Ctx): string {
  const mid = `${ctx.s.self.id}.${ctx.s.seq}`;
  ctx.s.seq += 1;
  return mid;
}

function targetFields(to: Target): { dst: string | null; dpos: number | null } {
  return 'id' in to ? { dst: to.id, dpos: null } : { dst: null, dpos: to.position };
}

/** Accepts an application message into the outbox and tries it at once; FULL when bounded out. */
export function enqueue(
  ctx: Ctx,
  to: Target | { id: string },
  msgType: string,
  body: unknown,
  rq: boolean,
  re: string | null,
): string | null {
  if (ctx.s.outbox.length >= MAX_OUTBOX_MESSAGES) {
    ctx.fail('FULL', `outbox holds ${MAX_OUTBOX_MESSAGES} messages`);
    return null;
  }
  const mid = newMid(ctx);
  const entry: OutboxEntry = {
    mid,
    ...targetFields(to),
    msgType,
    body,
    rq,
    re,
    nextAt: ctx.now + OUTBOX_RETRY_MS,
    tries: 1,
  };
  if (trySend(ctx, entry) !== 'self') ctx.s.outbox = [...ctx.s.outbox, entry];
  return mid;
}

function trySend(ctx: Ctx, e: OutboxEntry): NodeRef | 'self' | null {
  const hop = nextHop(ctx.s, e.dst, e.dpos);
  const body: AppBody = {
    mid: e.mid,
    src: ctx.s.self.id,
    dst: e.dst,
    dpos: e.dpos,
    hops: 0,
    type: e.msgType,
    body: e.body,
    rq: e.rq,
    re: e.re,
  };
  if (hop === 'self') deliver(ctx, body);
  else if (hop !== null) ctx.send(hop, MSG.app, body);
  return hop;
}

/** Re-sends outbox entries that are due (all of them when `all`, e.g. after a membership change). */
export function retryOutbox(ctx: Ctx, all: boolean, onlyTo?: string): void {
  const now = ctx.now;
  let changed = false;
  const next: OutboxEntry[] = [];
  for (const e of ctx.s.outbox) {
    const due = all || e.nextAt <= now || (onlyTo !== undefined && e.dst === onlyTo);
    if (!due) {
      next.push(e);
      continue;
    }
    changed = true;
    if (trySend(ctx, e) !== 'self') next.push({ ...e, nextAt: now + OUTBOX_RETRY_MS, tries: e.tries + 1 });
  }
  if (changed) ctx.s.outbox = next;
}

function deliver(ctx: Ctx, b: AppBody): void {
  if (hasSeen(ctx.s, b.mid)) {
    ctx.count('duplicate');
    return;
  }
  markSeen(ctx, b.mid);
  if (b.re !== null) {
    if (ctx.s.requests[b.re] === undefined) {
      ctx.count('late-reply');
      return;
    }
    delete ctx.s.requests[b.re];
    ctx.notify({ type: 'reply', requestId: b.re, from: b.src, msgType: b.type, body: b.body });
    return;
  }
  ctx.notify({ type: 'message', mid: b.mid, from: b.src, msgType: b.type, body: b.body, isRequest: b.rq });
}

/** A directed message arrived: deliver and acknowledge it, or forward it one hop. */
export function onApp(ctx: Ctx, b: AppBody): void {
  const s = ctx.s;
  const forMe = b.dst === s.self.id || (b.dst === null && isActive(s) && b.dpos === myPosition(s));
  if (forMe) {
    deliver(ctx, b);
    sendAck(ctx, b.mid, b.src, 0);
    return;
  }
  const hop = nextHop(s, b.dst, b.dpos);
  if (hop === null || hop === 'self' || b.hops + 1 > MAX_HOPS) {
    ctx.count('unroutable');
    return;
  }
  ctx.send(hop, MSG.app, { ...b, hops: b.hops + 1 });
}

function sendAck(ctx: Ctx, mid: string, origin: string, hops: number): void {
  const hop = nextHop(ctx.s, origin, null);
  if (hop === 'self') onAck(ctx, { mid, src: ctx.s.self.id, dst: origin, hops });
  else if (hop !== null && hops <= MAX_HOPS) ctx.send(hop, MSG.ack, { mid, src: ctx.s.self.id, dst: origin, hops });
  else ctx.count('unroutable');
}

/** An acknowledgement arrived: drop the outbox entry, or forward the ack toward its origin. */
export function onAck(ctx: Ctx, b: { mid: string; src: string; dst: string; hops: number }): void {
  if (b.dst !== ctx.s.self.id) {
    const hop = nextHop(ctx.s, b.dst, null);
    if (hop !== null && hop !== 'self' && b.hops + 1 <= MAX_HOPS) ctx.send(hop, MSG.ack, { ...b, hops: b.hops + 1 });
    else ctx.count('unroutable');
    return;
  }
  const before = ctx.s.outbox.length;
  ctx.s.outbox = ctx.s.outbox.filter((e) => e.mid !== b.mid);
  if (ctx.s.outbox.length < before) ctx.notify({ type: 'delivered', mid: b.mid });
}

/** Starts a request: an outbox message whose reply (or timeout) is reported once. */
export function startRequest(ctx: Ctx, to: Target, msgType: string, body: unknown, timeoutMs: number): string | null {
  if (Object.keys(ctx.s.requests).length >= MAX_TREE_PENDING_REQUESTS) {
    ctx.fail('FULL', `${MAX_TREE_PENDING_REQUESTS} requests are already waiting`);
    return null;
  }
  const mid = enqueue(ctx, to, msgType, body, true, null);
  if (mid !== null) ctx.s.requests[mid] = ctx.now + timeoutMs;
  return mid;
}

/** Times out requests whose deadline passed; their message leaves the outbox. */
export function expireRequests(ctx: Ctx): void {
  const expired = Object.entries(ctx.s.requests)
    .filter(([, deadline]) => deadline <= ctx.now)
    .map(([mid]) => mid);
  if (expired.length === 0) return;
  for (const mid of expired) {
    delete ctx.s.requests[mid];
    ctx.notify({ type: 'timeout', requestId: mid });
  }
  const gone = new Set(expired);
  ctx.s.outbox = ctx.s.outbox.filter((e) => !gone.has(e.mid));
}
