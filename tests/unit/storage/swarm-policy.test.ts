import { describe, expect, it } from 'vitest';
import {
  answered,
  expectedFinishMs,
  failed,
  hedgeAfterMs,
  pickHolder,
  started,
  statsOf,
  windowSize,
  type SwarmStats,
} from '../../../core/storage/swarm-policy.ts';
import {
  GET_HEDGE_MAX_MS,
  GET_HEDGE_MIN_MS,
  GET_WINDOW_MAX,
  GET_WINDOW_MIN,
  GET_WINDOW_PER_HOLDER_MIN,
} from '../../../core/limits.ts';

const MiB = 1024 * 1024;

/** `n` shards answered back to back by `id`, each taking `ms` of transfer after a round trip of `rtt`. */
function served(stats: SwarmStats, id: string, n: number, ms: number, rtt = 0): SwarmStats {
  let s = stats;
  let t = 0;
  for (let i = 0; i < n; i++) {
    s = started(s, id);
    s = answered(s, id, MiB, t, t + rtt + ms);
    t += rtt + ms;
  }
  return s;
}

/** `n` requests sent to `id` at once, answered `ms` apart after a round trip of `rtt` (a pipelined link). */
function pipelined(stats: SwarmStats, id: string, n: number, ms: number, rtt: number): SwarmStats {
  let s = stats;
  for (let i = 0; i < n; i++) s = started(s, id);
  for (let i = 1; i <= n; i++) s = answered(s, id, MiB, 0, rtt + i * ms);
  return s;
}

describe('the swarming get policy', () => {
  it('asks the first-ranked holder when nothing is measured yet', () => {
    expect(pickHolder({}, ['a', 'b', 'c'], MiB)).toBe('a');
  });

  it('spreads requests over holders by what each has in flight', () => {
    let s: SwarmStats = {};
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = pickHolder(s, ['a', 'b', 'c'], MiB)!;
      picks.push(id);
      s = started(s, id);
    }
    expect(picks.sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('sends more to a holder that delivers faster', () => {
    let s = served({}, 'fast', 4, 10);
    s = served(s, 'slow', 4, 40);
    const picks: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = pickHolder(s, ['slow', 'fast'], MiB)!;
      picks.push(id);
      s = started(s, id);
    }
    expect(picks.filter((p) => p === 'fast').length).toBe(8);
  });

  it('measures delivery between answers while a holder is busy, so pipelining does not look slow', () => {
    let s: SwarmStats = {};
    // Four requests sent at t=0, answered 10 ms apart: the link moves 1 MiB per 10 ms.
    for (let i = 0; i < 4; i++) s = started(s, 'a');
    for (let i = 1; i <= 4; i++) s = answered(s, 'a', MiB, 0, i * 10);
    expect(statsOf(s, 'a').bytesPerMs).toBeGreaterThan(MiB / 20);
    expect(statsOf(s, 'a').inflight).toBe(0);
  });

  it('pushes back a holder that failed, without dropping it', () => {
    let s = served({}, 'a', 2, 10);
    s = served(s, 'b', 2, 10);
    s = failed(started(s, 'a'), 'a');
    expect(pickHolder(s, ['a', 'b'], MiB)).toBe('b');
    expect(pickHolder(s, ['a'], MiB)).toBe('a');
    expect(expectedFinishMs(s, 'a', MiB)).toBeGreaterThan(expectedFinishMs(s, 'b', MiB));
  });

  it('keeps the window within its bounds and widens it with holders and round trips', () => {
    expect(windowSize({}, MiB)).toBe(GET_WINDOW_MIN);
    const near = pipelined(pipelined(pipelined({}, 'a', 3, 10, 0), 'b', 3, 10, 0), 'c', 3, 10, 0);
    const far = pipelined(pipelined(pipelined({}, 'a', 3, 10, 40), 'b', 3, 10, 40), 'c', 3, 10, 40);
    expect(windowSize(far, MiB)).toBeGreaterThan(windowSize(near, MiB));
    let many: SwarmStats = {};
    for (let i = 0; i < 20; i++) many = served(many, `r${i}`, 2, 10, 100);
    expect(windowSize(many, MiB)).toBe(GET_WINDOW_MAX);
  });

  it('starts at its steady size when the relays are known, before any of them answered', () => {
    expect(windowSize({}, MiB, ['a', 'b', 'c', 'd'])).toBe(4 * GET_WINDOW_PER_HOLDER_MIN);
    // A measured relay counts by its measure, the others by their minimum.
    const s = pipelined({}, 'a', 4, 10, 40);
    expect(windowSize(s, MiB, ['a', 'b'])).toBe(windowSize(s, MiB) + GET_WINDOW_PER_HOLDER_MIN);
    const fifty = Array.from({ length: 50 }, (_, i) => `r${i}`);
    expect(windowSize({}, MiB, fifty)).toBe(GET_WINDOW_MAX);
  });

  it('hedges a straggler after a multiple of its expected time, within bounds', () => {
    expect(hedgeAfterMs({}, 'a', MiB)).toBe(GET_HEDGE_MAX_MS);
    const quick = served({}, 'a', 3, 1);
    expect(hedgeAfterMs(quick, 'a', MiB)).toBe(GET_HEDGE_MIN_MS);
    const slow = served({}, 'a', 3, 400);
    expect(hedgeAfterMs(slow, 'a', MiB)).toBeGreaterThan(GET_HEDGE_MIN_MS);
    expect(hedgeAfterMs(slow, 'a', MiB)).toBeLessThanOrEqual(GET_HEDGE_MAX_MS);
  });
});
