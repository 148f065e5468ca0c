// The relay's periodic duties run on the injected timers: `every` repeats on them and stops for good.
import { describe, expect, it } from 'vitest';
import { every, type Timers } from '../../../node-relay/components.ts';

/** Timers a test advances by hand: each pending callback with its due time. */
function manualTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout: (fn, ms) => {
      due.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimeout: (h) => void due.delete(h as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!first || first[1].at > end) break;
        due.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = end;
    },
    pending: () => due.size,
  };
}

describe('every', () => {
  it('runs a duty once per interval on the given timers until it is stopped', () => {
    const timers = manualTimers();
    let runs = 0;
    const stop = every(timers, 1_000, () => runs++);
    timers.advance(999);
    expect(runs).toBe(0);
    timers.advance(1);
    expect(runs).toBe(1);
    timers.advance(3_000);
    expect(runs).toBe(4);
    stop();
    timers.advance(10_000);
    expect(runs).toBe(4);
    expect(timers.pending()).toBe(0);
  });

  it('stops for good when a run itself stops it', () => {
    const timers = manualTimers();
    let runs = 0;
    const stop = every(timers, 100, () => {
      runs++;
      if (runs === 2) stop();
    });
    timers.advance(1_000);
    expect(runs).toBe(2);
    expect(timers.pending()).toBe(0);
  });
});
