import { describe, expect, it } from 'vitest';
import { MAX_OUTBOX_MESSAGES } from '../../../core/limits.ts';
import { step } from '../../../core/tree/machine.ts';
import { MSG } from '../../../core/tree/messages.ts';
import { nextHop } from '../../../core/tree/routing.ts';
import type { OutboxEntry } from '../../../core/tree/types.ts';
import { events, memberState, ref, sends } from './fixtures.ts';

describe('routing a directed message', () => {
  it('goes straight to a connected relay', () => {
    const s = { ...memberState(7, 15), connected: { r12: true as const } };
    expect(nextHop(s, 'r12', null)).toEqual(ref(12));
  });

  it('otherwise takes the next tree edge: up toward a common ancestor, then down', () => {
    const s = memberState(7, 15);
    expect(nextHop(s, 'r12', null)).toEqual(ref(3));
    expect(nextHop(memberState(0, 15), 'r12', null)).toEqual(ref(2));
    expect(nextHop(memberState(2, 15), null, 12)).toEqual(ref(5));
  });

  it('recognises itself and gives up on an unknown relay', () => {
    expect(nextHop(memberState(4, 15), 'r4', null)).toBe('self');
    expect(nextHop(memberState(4, 15), 'stranger', null)).toBeNull();
  });
});

describe('the outbox', () => {
  it('keeps a sent message until the receiver acknowledges it', () => {
    const sent = step(memberState(3, 8), { type: 'send', now: 10, to: { id: 'r7' }, msgType: 'note', body: { x: 1 } });
    expect(sent.mid).toBe('r3.0');
    expect(sent.state.outbox.map((e) => e.mid)).toEqual(['r3.0']);
    expect(sent.effects[0]!.kind).toBe('persist');
    expect(sends(sent.effects, MSG.app).map((s) => s.to)).toEqual(['r7']);
    const acked = step(sent.state, {
      type: 'message',
      now: 20,
      from: 'r7',
      msgType: MSG.ack,
      body: { mid: 'r3.0', src: 'r7', dst: 'r3', hops: 0 },
    });
    expect(acked.state.outbox).toEqual([]);
    expect(events(acked.effects)).toContainEqual({ type: 'delivered', mid: 'r3.0' });
  });

  it('re-sends an unacknowledged message on a later tick and when the connection returns', () => {
    const sent = step(memberState(3, 8), { type: 'send', now: 10, to: { id: 'r7' }, msgType: 'note', body: 1 });
    expect(sends(step(sent.state, { type: 'tick', now: 1_000 }).effects, MSG.app)).toEqual([]);
    expect(sends(step(sent.state, { type: 'tick', now: 4_000 }).effects, MSG.app).map((s) => s.to)).toEqual(['r7']);
    expect(
      sends(step(sent.state, { type: 'connection', now: 500, peer: 'r7', up: true }).effects, MSG.app).map((s) => s.to),
    ).toEqual(['r7']);
  });

  it('refuses a message with a FULL error when it is full', () => {
    const entry: OutboxEntry = {
      mid: 'x',
      dst: 'r9',
      dpos: null,
      msgType: 't',
      body: 0,
      rq: false,
      re: null,
      nextAt: 1e12,
      tries: 1,
    };
    const full = {
      ...memberState(3, 8),
      outbox: Array.from({ length: MAX_OUTBOX_MESSAGES }, (_, i) => ({ ...entry, mid: `x${i}` })),
    };
    const r = step(full, { type: 'send', now: 10, to: { id: 'r7' }, msgType: 'note', body: 1 });
    expect(r.error?.code).toBe('FULL');
    expect(r.mid).toBeUndefined();
    expect(r.state.outbox.length).toBe(MAX_OUTBOX_MESSAGES);
  });

  it('delivers a repeated message once at the receiver, but acknowledges every copy', () => {
    const body = { mid: 'r3.0', src: 'r3', dst: 'r7', dpos: null, hops: 0, type: 'note', body: 1, rq: false, re: null };
    const first = step(memberState(7, 8), { type: 'message', now: 10, from: 'r3', msgType: MSG.app, body });
    const second = step(first.state, { type: 'message', now: 20, from: 'r3', msgType: MSG.app, body });
    expect(events(first.effects).filter((e) => e.type === 'message')).toHaveLength(1);
    expect(events(second.effects).filter((e) => e.type === 'message')).toHaveLength(0);
    expect(sends(second.effects, MSG.ack)).toHaveLength(1);
  });

  it('forwards a message for another relay one hop along the tree', () => {
    const body = {
      mid: 'r7.0',
      src: 'r7',
      dst: 'r12',
      dpos: null,
      hops: 0,
      type: 'note',
      body: 1,
      rq: false,
      re: null,
    };
    const r = step(memberState(3, 15), { type: 'message', now: 10, from: 'r7', msgType: MSG.app, body });
    expect(sends(r.effects, MSG.app)).toEqual([{ to: 'r1', msgType: MSG.app, body: { ...body, hops: 1 } }]);
  });
});

describe('requests and replies', () => {
  it('reports the reply once, matched to its request', () => {
    const asked = step(memberState(3, 8), {
      type: 'request',
      now: 10,
      to: { id: 'r7' },
      msgType: 'ask',
      body: 1,
      timeoutMs: 5_000,
    });
    const reply = {
      mid: 'r7.0',
      src: 'r7',
      dst: 'r3',
      dpos: null,
      hops: 0,
      type: 'answer',
      body: 42,
      rq: false,
      re: asked.mid!,
    };
    const answered = step(asked.state, { type: 'message', now: 50, from: 'r7', msgType: MSG.app, body: reply });
    expect(events(answered.effects)).toContainEqual({
      type: 'reply',
      requestId: asked.mid,
      from: 'r7',
      msgType: 'answer',
      body: 42,
    });
    const late = step(step(answered.state, { type: 'tick', now: 10_000 }).state, { type: 'tick', now: 11_000 });
    expect(events(late.effects).filter((e) => e.type === 'timeout')).toEqual([]);
  });

  it('times a request out after its deadline and forgets its message', () => {
    const asked = step(memberState(3, 8), {
      type: 'request',
      now: 1_000,
      to: { id: 'r7' },
      msgType: 'ask',
      body: 1,
      timeoutMs: 5_000,
    });
    const early = step(asked.state, { type: 'tick', now: 5_900 });
    expect(events(early.effects).filter((e) => e.type === 'timeout')).toEqual([]);
    const due = step(early.state, { type: 'tick', now: 6_000 });
    expect(events(due.effects)).toContainEqual({ type: 'timeout', requestId: asked.mid });
    expect(due.state.outbox).toEqual([]);
  });

  it('sends a reply back to the requester through the outbox', () => {
    const r = step(memberState(7, 8), {
      type: 'reply',
      now: 10,
      to: 'r3',
      requestId: 'r3.0',
      msgType: 'answer',
      body: 42,
    });
    expect(sends(r.effects, MSG.app)[0]!.body).toMatchObject({ dst: 'r3', re: 'r3.0', body: 42 });
    expect(r.state.outbox).toHaveLength(1);
  });
});
