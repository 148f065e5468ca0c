import { describe, expect, it } from 'vitest';
import { pickHolders, repairLeader } from '../../../core/storage/placement.ts';

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
    for (let i = 0; i < 6000; i++) for (const p of pickHolders(members, 3, rand)) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    for (const m of members) expect(counts.get(m.id)!).toBeGreaterThan(2700);
  });
});

describe('repairLeader', () => {
  it('is the same smallest id for every holder, or null when none survive', () => {
    expect(repairLeader(['q', 'b', 'x'])).toBe('b');
    expect(repairLeader([])).toBeNull();
  });
});
