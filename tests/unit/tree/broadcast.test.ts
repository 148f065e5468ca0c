import { describe, expect, it } from 'vitest';
import { initialState, step } from '../../../core/tree/machine.ts';
import { MSG } from '../../../core/tree/messages.ts';
import { envOf, events, memberState, ref, sends, signedUpdate } from './fixtures.ts';
import { BROADCAST_RETRY_MS } from '../../../core/limits.ts';

const cast = { mid: 'r5.0', src: 'r5', type: 'news', body: { n: 1 } };

describe('broadcast over tree edges', () => {
  it('is refused with UNAVAILABLE by a relay that is not a member', () => {
    expect(step(initialState(ref(1), 2), { type: 'broadcast', now: 0, msgType: 'news', body: 1 }).error?.code).toBe(
      'UNAVAILABLE',
    );
  });

  it('is delivered at its origin and sent to every tree neighbour', () => {
    const r = step(memberState(1, 7), { type: 'broadcast', now: 10, msgType: 'news', body: 1 });
    expect(events(r.effects)).toContainEqual({ type: 'broadcast', mid: r.mid, from: 'r1', msgType: 'news', body: 1 });
    expect(
      sends(r.effects, MSG.broadcast)
        .map((s) => s.to)
        .sort(),
    ).toEqual(['r0', 'r3', 'r4']);
  });

  it('is acknowledged, delivered once and passed on to the other neighbours only', () => {
    const r = step(memberState(2, 7), { type: 'message', now: 10, from: 'r5', msgType: MSG.broadcast, body: cast });
    expect(sends(r.effects, MSG.broadcastAck)).toEqual([
      { to: 'r5', msgType: MSG.broadcastAck, body: { mid: 'r5.0' } },
    ]);
    expect(
      sends(r.effects, MSG.broadcast)
        .map((s) => s.to)
        .sort(),
    ).toEqual(['r0', 'r6']);
    const again = step(r.state, { type: 'message', now: 20, from: 'r0', msgType: MSG.broadcast, body: cast });
    expect(events(again.effects)).toEqual([]);
    expect(sends(again.effects, MSG.broadcastAck)).toHaveLength(1);
  });

  it('is re-sent to a neighbour until it acknowledges', () => {
    const r = step(memberState(2, 7), { type: 'message', now: 2_000, from: 'r5', msgType: MSG.broadcast, body: cast });
    const acked = step(r.state, {
      type: 'message',
      now: 2_010,
      from: 'r0',
      msgType: MSG.broadcastAck,
      body: { mid: 'r5.0' },
    });
    const later = step(acked.state, { type: 'tick', now: 2_000 + BROADCAST_RETRY_MS });
    expect(sends(later.effects, MSG.broadcast).map((s) => s.to)).toEqual(['r6']);
  });

  it('is sent again to the new occupant of a neighbour position', () => {
    const r = step(memberState(2, 8), { type: 'message', now: 10, from: 'r0', msgType: MSG.broadcast, body: cast });
    let s = r.state;
    for (const id of ['r5', 'r6'])
      s = step(s, { type: 'message', now: 20, from: id, msgType: MSG.broadcastAck, body: { mid: 'r5.0' } }).state;
    // r5 dies; the last relay r7 moves into position 5.
    const update = signedUpdate(s.membership, [{ op: 'remove', ref: ref(5), at: 5, reason: 'dead' }]);
    const moved = step(s, { type: 'message', now: 30, from: 'r0', msgType: MSG.update, body: update }, envOf(2));
    expect(sends(moved.effects, MSG.broadcast).map((x) => x.to)).toEqual(['r7']);
  });
});
