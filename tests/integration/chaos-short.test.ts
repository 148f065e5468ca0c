// CI's one-minute chaos run (npm run chaos runs five minutes or more): 12 relays, replicas 3, clients putting
// and getting while relays are killed -9, restarted with their data and frozen. Every acknowledged put must
// come back byte for byte, no get may return wrong bytes, and every shard must be back to 3 holders.
import { describe, expect, it } from 'vitest';
import { chaosProblems, runChaos } from '../chaos/chaos.ts';

describe('chaos, one minute', () => {
  it('loses nothing acknowledged and returns no wrong byte while relays are killed, restarted and frozen', async () => {
    const report = await runChaos({ seed: 20261125, minutes: 1, relays: 12, replicas: 3, clients: 2, log: () => {} });
    expect(chaosProblems(report)).toEqual([]);
    expect(report.faults.kills + report.faults.freezes).toBeGreaterThan(0);
    expect(report.puts.acknowledged).toBeGreaterThan(0);
    expect(report.final.filesRetrieved).toBe(report.puts.acknowledged);
    expect(report.gets.wrongBytes).toBe(0);
    expect(report.final.underReplicated).toBe(0);
    expect(report.final.corruptOnDisk).toBe(0);
  }, 420_000);
});
