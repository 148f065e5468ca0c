// Progress lines people read: percent, speed and time left, from shards or bytes done since a phase started.
import { describe, expect, it } from 'vitest';
import { formatDuration, progressFigures, progressLine } from '../../../pwa/src/state/progress-figures.ts';

const MiB = 1024 * 1024;

describe('progressFigures', () => {
  it('measures speed and time left from what moved since the phase started', () => {
    // 10 of 40 shards of a 40 MiB file in 2 s, 2 of them already sent before: 8 MiB in 2 s.
    const f = progressFigures({ done: 10, total: 40, startDone: 2, startedAt: 0 }, 40 * MiB, 2_000);
    expect(f.percent).toBe(25);
    expect(f.bytesPerSecond).toBe(4 * MiB);
    expect(f.secondsLeft).toBe(8);
    expect(progressLine(f)).toBe('25% · 4 MiB/s · about 8 s left');
  });

  it('says only the percent until there is something to measure, and 100% only when done', () => {
    expect(progressFigures({ done: 0, total: 10, startDone: 0, startedAt: 0 }, 10, 5_000)).toEqual({
      percent: 0,
      bytesPerSecond: null,
      secondsLeft: null,
    });
    expect(progressFigures({ done: 5, total: 10, startDone: 0, startedAt: 0 }, 10, 100).bytesPerSecond).toBeNull();
    expect(progressFigures({ done: 999, total: 1000, startDone: 0, startedAt: 0 }, 1000, 1000).percent).toBe(99);
    expect(progressLine(progressFigures({ done: 10, total: 10, startDone: 0, startedAt: 0 }, 10 * MiB, 1000))).toBe(
      '100% · 10 MiB/s',
    );
    expect(progressFigures({ done: 3, total: 0, startDone: 0, startedAt: 0 }, 0, 1000).percent).toBe(0);
  });
});

describe('formatDuration', () => {
  it('reads as people say it', () => {
    expect(formatDuration(12)).toBe('12 s');
    expect(formatDuration(65)).toBe('1 min 5 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(7380)).toBe('2 h 3 min');
  });
});
