import { describe, expect, it } from 'vitest';
import { runSearchSim } from './search-sim.ts';

describe('search summaries on a simulated tree of 128 relays', () => {
  it('return exactly what flooding returns with far fewer messages for specific queries', async () => {
    const queries = ['token17', 'token1234', 'token1999', '"river harbour"', 'nothingmatches', 'violin glacier token5'];
    const results = await runSearchSim({ relays: 128, k: 4, memories: 2000, replicas: 3, seed: 7 }, queries);
    for (const r of results) {
      expect(r.sameResults, r.query).toBe(true);
      expect(r.floodMessages).toBe(2 * 127);
      expect(r.summaryMessages, r.query).toBeLessThanOrEqual(r.floodMessages);
    }
    const byQuery = new Map(results.map((r) => [r.query, r]));
    // A unique token is held by 3 relays: the search only walks the paths to them.
    expect(byQuery.get('token17')!.hits).toBe(1);
    expect(byQuery.get('token17')!.summaryMessages).toBeLessThan(byQuery.get('token17')!.floodMessages / 4);
    expect(byQuery.get('nothingmatches')!.summaryMessages).toBeLessThan(20);
  }, 120_000);
});
