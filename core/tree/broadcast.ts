// Broadcast over tree edges: flooded to every tree neighbour but the sender, acknowledged hop by
// hop, re-sent to the new occupant of a neighbour position, delivered once per relay (by id).
import type { Ctx } from './context.ts';
import { memberAt, positionOf } from './membership.ts';
import { MSG, type BroadcastBody } from './messages.ts';
import { hasSeen, markSeen, newMid } from './routing.ts';
import type { BroadcastRecord, HopEntry } from './types.ts';
import { isActive, myPosition, treeNeighbours } from './view.ts';
import { BROADCAST_RETAIN_MS, BROADCAST_RETRY_MS, MAX_RECENT_BROADCASTS } from '../limits.ts';

/** Starts a broadcast from this relay (delivered here too). UNAVAILABLE unless a member. */
export function startBroadcast(ctx: Ctx, msgType: string, body: unknown): string | null {
  if (!isActive(ctx.s)) {
    ctx.fail('UNAVAILABLE', 'only a member of the tree can broadcast');
    return null;
  }
  const mid = newMid(ctx);
  accept(ctx, { mid, src: ctx.s.self.id, type: msgType, body }, null);
  return mid;
}

function accept(ctx: Ctx, b: BroadcastBody, fromId: string | null): void {
  markSeen(ctx, b.mid);
  ctx.notify({ type: 'broadcast', mid: b.mid, from: b.src, msgType: b.type, body: b.body });
  const record: BroadcastRecord = { mid: b.mid, src: b.src, msgType: b.type, body: b.body, at: ctx.now };
  const recent = [...ctx.s.recent, record];
  ctx.s.recent = recent.length > MAX_RECENT_BROADCASTS ? recent.slice(recent.length - MAX_RECENT_BROADCASTS) : recent;
  const added: HopEntry[] = [];
  for (const [pos, ref] of treeNeighbours(ctx.s, myPosition(ctx.s))) {
    if (ref.id !== fromId) added.push({ mid: b.mid, pos, id: ref.id, nextAt: ctx.now });
  }
  ctx.s.hops = [...ctx.s.hops, ...added];
  retryHops(ctx);
}

/** A broadcast arrived from a tree neighbour: acknowledge it; deliver and pass it on if new. */
export function onBroadcast(ctx: Ctx, from: string, b: BroadcastBody): void {
  if (!isActive(ctx.s)) {
    ctx.count('broadcast-not-member');
    return;
  }
  const sender = memberAt(ctx.s.membership, positionOf(ctx.s.membership, from));
  if (sender !== null) ctx.send(sender, MSG.broadcastAck, { mid: b.mid });
  if (hasSeen(ctx.s, b.mid)) {
    ctx.count('duplicate');
    return;
  }
  accept(ctx, b, from);
}

export function onBroadcastAck(ctx: Ctx, from: string, mid: string): void {
  const hops = ctx.s.hops.filter((h) => !(h.mid === mid && h.id === from));
  if (hops.length !== ctx.s.hops.length) ctx.s.hops = hops;
}

/** Sends due hop entries (all entries for `onlyTo` when given); forgets expired broadcasts. */
export function retryHops(ctx: Ctx, onlyTo?: string): void {
  const s = ctx.s;
  if (s.recent.length > 0 && s.recent[0]!.at + BROADCAST_RETAIN_MS <= ctx.now) {
    s.recent = s.recent.filter((r) => r.at + BROADCAST_RETAIN_MS > ctx.now);
  }
  if (s.hops.length === 0) return;
  const records = new Map(s.recent.map((r) => [r.mid, r]));
  let changed = false;
  const next: HopEntry[] = [];
  for (const h of s.hops) {
    const record = records.get(h.mid);
    const ref = memberAt(s.membership, h.pos);
    if (record === undefined || ref === null || ref.id !== h.id) {
      changed = true;
      continue;
    }
    if (h.nextAt > ctx.now && h.id !== onlyTo) {
      next.push(h);
      continue;
    }
    changed = true;
    ctx.send(ref, MSG.broadcast, { mid: record.mid, src: record.src, type: record.msgType, body: record.body });
    next.push({ ...h, nextAt: ctx.now + BROADCAST_RETRY_MS });
  }
  if (changed) s.hops = next;
}

/**
 * After a membership change: every tree neighbour position whose occupant changed gets all
 * recent broadcasts again (it may be new; duplicates are dropped by id there).
 */
export function refreshNeighbours(ctx: Ctx): void {
  const s = ctx.s;
  const map: Record<string, string> = {};
  if (isActive(s)) for (const [pos, ref] of treeNeighbours(s, myPosition(s))) map[pos] = ref.id;
  const kept = s.hops.filter((h) => map[h.pos] === h.id);
  const added: HopEntry[] = [];
  for (const [pos, id] of Object.entries(map)) {
    if (s.neighbourMap[pos] === id) continue;
    for (const r of s.recent)
      if (!kept.some((h) => h.mid === r.mid && h.id === id))
        added.push({ mid: r.mid, pos: Number(pos), id, nextAt: ctx.now });
  }
  s.neighbourMap = map;
  if (kept.length !== s.hops.length || added.length > 0) s.hops = [...kept, ...added];
  retryHops(ctx);
}
