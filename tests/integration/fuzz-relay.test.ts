// CI's short, seeded fuzz run against a real relay process (npm run fuzz runs the long one: 10^6 frames).
import { describe, expect, it } from 'vitest';
import { fuzzProblems, runFuzz } from '../fuzz/relay-fuzz.ts';

describe('fuzzing a running relay', () => {
  it('refuses and counts every bad frame and request, stays up with flat memory, and still stores and serves', async () => {
    const report = await runFuzz({ seed: 20261125, frames: 40_000, http: 4_000, sessions: 4, log: () => {} });
    expect(fuzzProblems(report)).toEqual([]);
    expect(report.countedDrops).toBe(report.expectedDrops);
    expect(report.expectedDrops).toBeGreaterThan(30_000);
    expect(report.appFrames.sent).toBeGreaterThan(1_000);
    expect(report.http.sent).toBeGreaterThanOrEqual(4_000);
    expect(report.afterwards).toEqual({ stored: true, fetched: true, range: true });
  }, 120_000);
});
