// The top-up policy: which stored files are offered again as the tree grows, and when the page looks again.
import { describe, expect, it } from 'vitest';
import { TOP_UP_FIRST_CHECK_MS, TOP_UP_GIVE_UP_MS, TOP_UP_MAX_INTERVAL_MS } from '../../../core/limits.ts';
import {
  afterLook,
  belowTarget,
  needsTopUp,
  nextLookIn,
  reachableCopies,
  START_CLOCK,
} from '../../../core/outbox/top-up.ts';

const stored = (replicas: number | null, origin = 'added', status = 'stored') => ({ status, origin, replicas });

describe('needsTopUp', () => {
  it('offers a file again only when the tree can hold more copies than it has', () => {
    expect(needsTopUp(stored(1), 3, 1)).toBe(false); // a lone relay: nowhere else to put it
    expect(needsTopUp(stored(1), 3, 2)).toBe(true);
    expect(needsTopUp(stored(2), 3, 2)).toBe(false);
    expect(needsTopUp(stored(2), 3, 5)).toBe(true);
    expect(needsTopUp(stored(3), 3, 5)).toBe(false);
  });

  it('leaves files not stored, opened from a link, or with no known count alone', () => {
    expect(needsTopUp(stored(1, 'added', 'queued'), 3, 3)).toBe(false);
    expect(needsTopUp(stored(1, 'opened'), 3, 3)).toBe(false);
    expect(needsTopUp(stored(null), 3, 3)).toBe(false);
  });

  it('counts copies the tree can hold: target, tree size and the protocol bound', () => {
    expect(reachableCopies(3, 1)).toBe(1);
    expect(reachableCopies(3, 10)).toBe(3);
    expect(reachableCopies(100, 100)).toBe(16);
    expect(belowTarget(stored(1), 3)).toBe(true);
    expect(belowTarget(stored(3), 3)).toBe(false);
  });
});

describe('the looks', () => {
  it('back off from the first pause, doubling, up to the longest', () => {
    let clock = START_CLOCK(0);
    expect(nextLookIn(clock, 0)).toBe(TOP_UP_FIRST_CHECK_MS);
    const pauses: number[] = [];
    let now = 0;
    for (let i = 0; i < 12; i++) {
      clock = afterLook(clock, 1, now);
      const next = nextLookIn(clock, now)!;
      pauses.push(next);
      now += next;
    }
    expect(pauses[0]).toBe(TOP_UP_FIRST_CHECK_MS * 2);
    expect(pauses[1]).toBe(TOP_UP_FIRST_CHECK_MS * 4);
    expect(pauses.every((p, i) => i === 0 || p >= pauses[i - 1]!)).toBe(true);
    expect(Math.max(...pauses)).toBe(TOP_UP_MAX_INTERVAL_MS);
  });

  it('start over when the tree changes size, and stop an hour after the last change', () => {
    let clock = afterLook(START_CLOCK(0), 1, 0);
    for (let i = 0; i < 6; i++) clock = afterLook(clock, 1, 1000 * i);
    expect(nextLookIn(clock, 6000)).toBeGreaterThan(TOP_UP_FIRST_CHECK_MS * 8);
    clock = afterLook(clock, 2, 10_000);
    expect(clock.changedAt).toBe(10_000);
    expect(nextLookIn(clock, 10_000)).toBe(TOP_UP_FIRST_CHECK_MS * 2);
    expect(nextLookIn(clock, 10_000 + TOP_UP_GIVE_UP_MS - 1)).not.toBeNull();
    expect(nextLookIn(clock, 10_000 + TOP_UP_GIVE_UP_MS)).toBeNull();
  });
});
