import { describe, expect, it } from 'vitest';
import {
  pickHolders,
  rendezvousHolders,
  rendezvousOrder,
  rendezvousScore,
  repairLeader,
  repairRank,
} from '../../../core/storage/placement.ts';

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const members = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id }));

/** A 64-hex name from a seeded generator (shard hashes and node ids have this shape). */
function hexName(rand: () => number): string {
  let out = '';
  for (let i = 0; i < 8; i++)
    out += Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return out;
}

/** Pearson's chi-square statistic of observed counts against an equal share each. */
function chiSquare(counts: readonly number[]): number {
  const expected = counts.reduce((a, b) => a + b, 0) / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

/** Chi-square with 29 degrees of freedom exceeds this with probability 0.001: a fair spread fails 1 run in 1000. */
const CHI2_29_P001 = 58.3;

describe('pickHolders', () => {
  it('picks n distinct members, never an excluded one', () => {
    const rand = seeded(1);
    for (let i = 0; i < 200; i++) {
      const picked = pickHolders(members, 3, rand, new Set(['c']));
      expect(new Set(picked.map((p) => p.id)).size).toBe(3);
      expect(picked.map((p) => p.id)).not.toContain('c');
    }
  });

  it('returns fewer when the tree is too small, so the caller can fail clearly', () => {
    expect(pickHolders(members.slice(0, 2), 3, seeded(2))).toHaveLength(2);
    expect(pickHolders([{ id: 'a' }, { id: 'a' }], 3, seeded(2))).toHaveLength(1);
  });

  it('spreads load: each member is chosen roughly equally often', () => {
    const counts = new Map<string, number>();
    const rand = seeded(3);
    for (let i = 0; i < 6000; i++)
      for (const p of pickHolders(members, 3, rand)) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    for (const m of members) expect(counts.get(m.id)!).toBeGreaterThan(2700);
  });
});

describe('rendezvous placement', () => {
  const rand = seeded(7);
  const nodes = Array.from({ length: 30 }, () => ({ id: hexName(rand) }));
  const shards = Array.from({ length: 30_000 }, () => hexName(rand));

  it('gives every relay the same answer: the order depends only on the shard and the set of members', () => {
    const shard = shards[0]!;
    const order = rendezvousOrder(shard, nodes).map((m) => m.id);
    expect(rendezvousOrder(shard, [...nodes].reverse()).map((m) => m.id)).toEqual(order);
    expect(rendezvousOrder(shard, [...nodes, ...nodes]).map((m) => m.id)).toEqual(order);
    expect(new Set(order).size).toBe(nodes.length);
    expect(rendezvousScore(shard, order[0]!)).toBeGreaterThan(rendezvousScore(shard, order[1]!));
  });

  it('ranks members differently for different shards', () => {
    const firsts = new Set(shards.slice(0, 100).map((h) => rendezvousOrder(h, nodes)[0]!.id));
    expect(firsts.size).toBeGreaterThan(20);
  });

  it('spreads shards evenly: each of 30 relays is a holder of about a tenth of 30,000 shards (chi-square)', () => {
    const counts = new Map(nodes.map((n) => [n.id, 0]));
    for (const h of shards) for (const m of rendezvousHolders(h, nodes, 3)) counts.set(m.id, counts.get(m.id)! + 1);
    expect(chiSquare([...counts.values()])).toBeLessThan(CHI2_29_P001);
  });

  it('spreads evenly even when node ids differ in one character only', () => {
    const similar = Array.from({ length: 30 }, (_, i) => ({ id: `relay-${String(i).padStart(2, '0')}` }));
    const counts = new Map(similar.map((n) => [n.id, 0]));
    for (const h of shards) {
      const first = rendezvousOrder(h, similar)[0]!;
      counts.set(first.id, counts.get(first.id)! + 1);
    }
    expect(chiSquare([...counts.values()])).toBeLessThan(CHI2_29_P001);
  });

  it('ranks two relays independently of their names: each comes first for about half the shards', () => {
    const [a, b] = [{ id: 'relay-1' }, { id: 'relay-2' }];
    const aFirst = shards.filter((h) => rendezvousOrder(h, [a, b])[0] === a).length;
    // Binomial(30000, 0.5): a standard deviation is 87; 5 of them is a failure once in millions of runs.
    expect(Math.abs(aFirst - shards.length / 2)).toBeLessThan(5 * 87);
  });

  it('moves only the shards of a relay that leaves: the others keep their holders', () => {
    const gone = nodes[5]!.id;
    const rest = nodes.filter((n) => n.id !== gone);
    let moved = 0;
    for (const h of shards.slice(0, 3000)) {
      const before = rendezvousHolders(h, nodes, 3).map((m) => m.id);
      const after = rendezvousHolders(h, rest, 3).map((m) => m.id);
      if (before.includes(gone)) {
        // The survivors stay and the next relay in the order joins them.
        expect(after.slice(0, 2)).toEqual(before.filter((id) => id !== gone));
        moved++;
      } else expect(after).toEqual(before);
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('picks exactly the first n of the full order, without sorting every member (duplicates and exclusions too)', () => {
    const withDuplicates = [...nodes, nodes[3]!, nodes[7]!];
    for (const [i, h] of shards.slice(0, 500).entries()) {
      const exclude = new Set(nodes.filter((_, j) => (i + j) % 7 === 0).map((m) => m.id));
      for (const n of [0, 1, 3, 5, withDuplicates.length + 2]) {
        const expected = rendezvousOrder(h, withDuplicates)
          .filter((m) => !exclude.has(m.id))
          .slice(0, n)
          .map((m) => m.id);
        expect(rendezvousHolders(h, withDuplicates, n, exclude).map((m) => m.id)).toEqual(expected);
      }
    }
  });

  it('skips excluded members and takes the next in order, as a refused placement does', () => {
    const shard = shards[1]!;
    const order = rendezvousOrder(shard, nodes).map((m) => m.id);
    expect(rendezvousHolders(shard, nodes, 3, new Set([order[1]!])).map((m) => m.id)).toEqual([
      order[0],
      order[2],
      order[3],
    ]);
    expect(rendezvousHolders(shard, nodes.slice(0, 2), 3)).toHaveLength(2);
  });
});

describe('repairRank / repairLeader', () => {
  const shard = 'ab'.repeat(32);
  it('is the same order for every holder whatever order it is given in, or null when none survive', () => {
    const ids = ['q', 'b', 'x', 'aaaaaaaaaaaaaaaa'];
    const rank = repairRank(shard, ids);
    expect(rank).toHaveLength(4);
    expect(repairRank(shard, [...ids].reverse())).toEqual(rank);
    expect(repairLeader(shard, ids)).toBe(rank[0]);
    expect(repairLeader(shard, [])).toBeNull();
  });
  it('is not won by the smallest id: each of 8 relays leads about 1/8 of 4,000 shards', () => {
    const ids = ['aaaaaaaaaaaaaaaa', ...Array.from({ length: 7 }, (_, i) => `relay${i}zzzzzzzzzz`)];
    const led = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const h = i.toString(16).padStart(64, '0');
      const leader = repairLeader(h, ids)!;
      led.set(leader, (led.get(leader) ?? 0) + 1);
    }
    for (const id of ids) expect(led.get(id) ?? 0, id).toBeGreaterThan(350);
    for (const id of ids) expect(led.get(id) ?? 0, id).toBeLessThan(650);
  });
});
