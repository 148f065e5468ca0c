import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReplayGuard } from '../../../core/wire/replay-guard.ts';
import {
  FRESHNESS_WINDOW_MS,
  LIMITS,
  MAX_MESSAGES_PER_SECOND_PER_ADDRESS,
  validateLimits,
} from '../../../core/limits.ts';

describe('ReplayGuard', () => {
  it('remembers an id from one sender, not from another', () => {
    const g = new ReplayGuard(1000, 10);
    expect(g.add('alice', 'm1', 0)).toBe('added');
    expect(g.has('alice', 'm1')).toBe(true);
    expect(g.has('bob', 'm1')).toBe(false);
    expect(g.add('alice', 'm1', 10)).toBe('seen');
  });

  it('keeps an id while its frame is fresh (ts + window), and forgets it within one bucket after', () => {
    const g = new ReplayGuard(1000, 10);
    g.add('alice', 'm1', 0, 0); // fresh until 1000
    g.add('alice', 'm2', 999, 999);
    expect(g.has('alice', 'm1')).toBe(true);
    g.add('alice', 'm3', 1000, 1000);
    expect(g.has('alice', 'm1')).toBe(true); // at 1000 a frame stamped 0 still passes |ts − now| ≤ window
    g.add('alice', 'm4', 1000 + 1000 / 32 + 1, 1040);
    expect(g.has('alice', 'm1')).toBe(false);
    expect(g.has('alice', 'm2')).toBe(true);
  });

  it('still refuses a replay in the last millisecond of its window, when ts + window falls on a bucket edge', () => {
    const g = new ReplayGuard(1000, 10); // buckets of 32 ms; 1001152 = 32 × 31286
    const ts = 1_000_152;
    expect(g.add('victim', 'v1', ts + 503, ts)).toBe('added');
    expect(g.add('victim', 'v1', ts + 1000, ts)).toBe('seen'); // |ts − now| = window: still fresh, so a replay
    expect(g.add('victim', 'v2', ts + 1001 + 32, ts + 1001 + 32)).toBe('added');
    expect(g.has('victim', 'v1')).toBe(false); // forgotten within one bucket after
  });

  it('keeps an id stamped ahead of the receiver’s clock for two windows, and with no stamp as long', () => {
    const g = new ReplayGuard(1000, 10);
    g.add('a', 'ahead', 0, 1000);
    g.add('a', 'nostamp', 0);
    g.add('a', 'x', 1999);
    expect(g.has('a', 'ahead') && g.has('a', 'nostamp')).toBe(true);
    g.add('a', 'y', 2100);
    expect(g.has('a', 'ahead') || g.has('a', 'nostamp')).toBe(false);
  });

  it('refuses a new id when full instead of forgetting an older one', () => {
    const g = new ReplayGuard(1000, 3);
    for (let i = 0; i < 3; i++) expect(g.add(`s${i}`, 'm', i)).toBe('added');
    expect(g.add('s9', 'm', 5)).toBe('full');
    expect(g.refusal('s9', 5)).toBe('full');
    expect(g.size).toBe(3);
    for (let i = 0; i < 3; i++) expect(g.has(`s${i}`, 'm')).toBe(true);
    // Once the old ids' frames are stale, there is room again.
    expect(g.add('s9', 'm', 2100)).toBe('added');
    expect(g.size).toBe(1);
  });

  it('caps each sender at its share and leaves the rest of the memory to others', () => {
    const g = new ReplayGuard(1000, 10, 4);
    for (let i = 0; i < 4; i++) expect(g.add('mallory', `m${i}`, i)).toBe('added');
    expect(g.add('mallory', 'm4', 5)).toBe('sender-full');
    expect(g.refusal('mallory', 5)).toBe('sender-full');
    expect(g.refusal('alice', 5)).toBe(null);
    expect(g.add('alice', 'a0', 6)).toBe('added');
    expect(g.countOf('mallory')).toBe(4);
    expect(g.has('mallory', 'm0')).toBe(true);
  });

  it('forgets each id when its time comes, over many buckets and a long quiet gap', () => {
    const g = new ReplayGuard(500, 100_000);
    for (let t = 0; t < 20_000; t++) g.add('a', `m${t}`, t, t);
    // Each id lives until ts + 500 (rounded up to a 16 ms bucket): at t = 19,999 about 500 are remembered.
    expect(g.size).toBeGreaterThanOrEqual(500);
    expect(g.size).toBeLessThanOrEqual(500 + 16);
    expect(g.has('a', 'm19000')).toBe(false);
    expect(g.has('a', 'm19499')).toBe(true);
    g.add('a', 'late', 1e9, 1e9);
    expect(g.size).toBe(1);
    expect(g.senders).toBe(1);
  });

  // The attack of issue 14: one address (2,000 frames/s) used to roll the 200,000-id memory over in ≈ 100 s,
  // inside the window, after which its first frames could be replayed.
  it('cannot be rolled over by one sender sending at the per-address rate for a whole window', () => {
    const g = new ReplayGuard(FRESHNESS_WINDOW_MS, LIMITS.maxReplayEntries, LIMITS.maxReplayEntriesPerSender);
    const perMs = MAX_MESSAGES_PER_SECOND_PER_ADDRESS / 1000;
    const frames = Math.round(perMs * FRESHNESS_WINDOW_MS);
    const verdicts: Record<string, number> = {};
    g.add('victim', 'v0', 0, 0);
    for (let i = 0; i < frames; i++) {
      const t = Math.floor(i / perMs);
      const v = g.add('mallory', `m${i}`, t, t);
      verdicts[v] = (verdicts[v] ?? 0) + 1;
    }
    expect(verdicts.added).toBe(LIMITS.maxReplayEntriesPerSender);
    expect(verdicts['sender-full']).toBe(frames - LIMITS.maxReplayEntriesPerSender);
    // Inside the window nothing was forgotten: every recorded frame is still a replay.
    expect(g.has('victim', 'v0')).toBe(true);
    expect(g.has('mallory', 'm0')).toBe(true);
    expect(g.size).toBe(LIMITS.maxReplayEntriesPerSender + 1);
    // The victim still has room.
    expect(g.add('victim', 'v1', FRESHNESS_WINDOW_MS - 1, FRESHNESS_WINDOW_MS - 1)).toBe('added');
  });

  it('property: whatever any senders send, no recorded id is forgotten while its frame is fresh, bounds hold', () => {
    const windowMs = 1000;
    const op = fc.record({
      sender: fc.constantFrom('victim', 'm1', 'm2', 'm3', 'm4', 'm5'),
      id: fc.integer({ min: 0, max: 40 }),
      dt: fc.integer({ min: 0, max: 300 }),
      skew: fc.integer({ min: -windowMs, max: windowMs }),
    });
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400 }),
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        (ops, maxEntries, share) => {
          const perSender = Math.min(share, maxEntries);
          const g = new ReplayGuard(windowMs, maxEntries, perSender);
          const recorded = new Map<string, number>(); // sender:id → fresh until
          let now = 1_000_000;
          for (const o of ops) {
            now += o.dt;
            const ts = now + o.skew;
            const key = `${o.sender}:${o.id}`;
            const before = g.countOf(o.sender);
            const verdict = g.add(o.sender, String(o.id), now, ts);
            const freshUntil = recorded.get(key);
            if (freshUntil !== undefined && freshUntil >= now) expect(verdict).toBe('seen');
            if (verdict === 'added') recorded.set(key, ts + windowMs);
            if (verdict === 'sender-full') expect(before).toBe(perSender);
            expect(g.size).toBeLessThanOrEqual(maxEntries);
            expect(g.countOf(o.sender)).toBeLessThanOrEqual(perSender);
            for (const [k, until] of recorded) {
              if (until < now) continue;
              const [s, id] = k.split(':') as [string, string];
              expect(g.has(s, id)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('start-up validation refuses a per-sender share that lets one sender fill the memory', () => {
    expect(() => validateLimits()).not.toThrow();
    expect(() => validateLimits({ ...LIMITS, maxReplayEntriesPerSender: LIMITS.maxReplayEntries })).toThrow(/half/);
    expect(() => validateLimits({ ...LIMITS, maxReplayEntriesPerSender: 10 })).toThrow(/burst/);
    expect(() => validateLimits({ ...LIMITS, maxReplayEntriesPerSender: 0 })).toThrow(/positive/);
  });
});
