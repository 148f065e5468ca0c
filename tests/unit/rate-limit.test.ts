import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../core/rate-limit.ts';

describe('token buckets', () => {
  it('allow a burst, then the rate, per key', () => {
    let now = 0;
    const b = new TokenBuckets(10, 5, 100, () => now);
    expect(Array.from({ length: 7 }, () => b.take('a'))).toEqual([true, true, true, true, true, false, false]);
    expect(b.take('b')).toBe(true); // another key has its own bucket
    now += 100; // 0.1 s at 10/s: one token
    expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
    now += 10_000; // refills only up to the burst
    expect(Array.from({ length: 6 }, () => b.take('a')).filter(Boolean)).toHaveLength(5);
  });

  it('remember a bounded number of keys, least recently used forgotten first', () => {
    const b = new TokenBuckets(1, 1, 3, () => 0);
    for (const k of ['a', 'b', 'c']) b.take(k);
    expect(b.take('a')).toBe(false); // a is now the most recent
    b.take('d'); // forgets b
    expect(b.size).toBe(3);
    expect(b.take('b')).toBe(true); // b starts again with a full bucket (forgets c)
    expect(b.take('a')).toBe(false);
  });

  it('refuse nonsense settings', () => {
    expect(() => new TokenBuckets(0, 1, 1, () => 0)).toThrow(RangeError);
  });
});
