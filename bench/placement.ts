// Choosing a shard's holders at N members: the top-n pass (rendezvousHolders) against sorting every member
// (rendezvousOrder, what placement did before), at N = 10³, 10⁴ and 10⁵, in microseconds per shard.
import { randomBytes } from 'node:crypto';
import { rendezvousHolders, rendezvousOrder } from '../core/storage/placement.ts';
import { median, result, type BenchResult } from './measure.ts';

/** Microseconds per call of `pick` over `shards` shard hashes (median of `samples` runs). */
function perShard(shards: readonly string[], samples: number, pick: (hash: string) => unknown): number {
  const runs: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t = performance.now();
    for (const h of shards) pick(h);
    runs.push(((performance.now() - t) * 1000) / shards.length);
  }
  return median(runs);
}

export function placementSuite(quick: boolean): BenchResult[] {
  const out: BenchResult[] = [];
  const samples = quick ? 2 : 5;
  for (const n of quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]) {
    const members = Array.from({ length: n }, () => ({
      id: randomBytes(10)
        .toString('base64url')
        .toLowerCase()
        .replace(/[^a-z2-7]/g, 'a')
        .slice(0, 16),
    }));
    // Fewer shards at larger N keep each suite to a few seconds.
    const shards = Array.from({ length: Math.max(20, Math.floor((quick ? 2e5 : 2e6) / n)) }, () =>
      randomBytes(32).toString('hex'),
    );
    perShard(shards.slice(0, 5), 1, (h) => rendezvousHolders(h, members, 3)); // warm-up
    const sorted = perShard(shards, samples, (h) => rendezvousOrder(h, members).slice(0, 3));
    const topN = perShard(shards, samples, (h) => rendezvousHolders(h, members, 3));
    out.push(
      result(`placement: 3 holders of one shard among ${n.toLocaleString('en')} members`, topN, 'µs', 'lower', {
        name: 'sorting every member',
        value: sorted,
      }),
    );
  }
  return out;
}
