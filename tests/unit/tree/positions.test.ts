import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ancestorsOf,
  childrenOf,
  depthOf,
  distance,
  inRootGroup,
  isAncestor,
  levelOf,
  lowestCommonAncestor,
  nextHopToward,
  parentOf,
  pathBetween,
  peerGroup,
  rootGroup,
  subtreeSize,
} from '../../../core/tree/positions.ts';

describe('positions of a complete k-ary tree', () => {
  it('gives the root no parent and position p the parent floor((p-1)/k)', () => {
    expect(parentOf(0, 2)).toBeNull();
    expect(parentOf(1, 2)).toBe(0);
    expect(parentOf(6, 2)).toBe(2);
    expect(parentOf(17, 4)).toBe(4);
  });

  it('lists the children k·p+1 … k·p+k that exist in the tree', () => {
    expect(childrenOf(0, 3, 100)).toEqual([1, 2, 3]);
    expect(childrenOf(2, 2, 100)).toEqual([5, 6]);
    expect(childrenOf(2, 2, 6)).toEqual([5]);
    expect(childrenOf(3, 2, 6)).toEqual([]);
  });

  it('makes every child name its parent back, for every k and size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1, max: 3000 }), (k, size) => {
        for (let p = 0; p < Math.min(size, 200); p++)
          for (const c of childrenOf(p, k, size)) expect(parentOf(c, k)).toBe(p);
      }),
    );
  });

  it('computes depth: a lone root is 0, 15 relays with k=2 are 3, 16 are 4', () => {
    expect(depthOf(0, 2)).toBe(-1);
    expect(depthOf(1, 2)).toBe(0);
    expect(depthOf(3, 2)).toBe(1);
    expect(depthOf(15, 2)).toBe(3);
    expect(depthOf(16, 2)).toBe(4);
    expect(depthOf(5, 4)).toBe(1);
    expect(depthOf(6, 4)).toBe(2);
    expect(depthOf(1_000_000, 16)).toBe(5);
  });

  it('agrees with counting levels one by one', () => {
    const k = 3;
    let level = 0;
    let firstOfLevel = 0;
    for (let p = 0; p < 2000; p++) {
      if (p === firstOfLevel * k + 1) {
        level++;
        firstOfLevel = p;
      }
      expect(levelOf(p, k)).toBe(level);
    }
  });

  it('names the root group (root and its children) and peer groups (parent and children)', () => {
    expect(rootGroup(4, 100)).toEqual([0, 1, 2, 3, 4]);
    expect(rootGroup(4, 3)).toEqual([0, 1, 2]);
    expect(inRootGroup(4, 4)).toBe(true);
    expect(inRootGroup(5, 4)).toBe(false);
    expect(peerGroup(0, 2, 7)).toEqual([1, 2]);
    expect(peerGroup(2, 2, 7)).toEqual([0, 5, 6]);
    expect(peerGroup(6, 2, 7)).toEqual([2]);
  });

  it('knows ancestors, and no position is its own ancestor', () => {
    expect(ancestorsOf(13, 2)).toEqual([6, 2, 0]);
    expect(isAncestor(2, 13, 2)).toBe(true);
    expect(isAncestor(1, 13, 2)).toBe(false);
    expect(isAncestor(5, 5, 2)).toBe(false);
    expect(isAncestor(0, 5, 2)).toBe(true);
  });

  it('finds the tree path between two positions through their lowest common ancestor', () => {
    expect(lowestCommonAncestor(7, 10, 2)).toBe(1);
    expect(lowestCommonAncestor(7, 12, 2)).toBe(0);
    expect(lowestCommonAncestor(7, 8, 2)).toBe(3);
    expect(pathBetween(7, 10, 2)).toEqual([7, 3, 1, 4, 10]);
    expect(pathBetween(7, 12, 2)).toEqual([7, 3, 1, 0, 2, 5, 12]);
    expect(pathBetween(7, 8, 2)).toEqual([7, 3, 8]);
    expect(pathBetween(9, 9, 2)).toEqual([9]);
    expect(distance(7, 8, 2)).toBe(2);
  });

  it('walks every path hop by hop with nextHopToward, each hop a tree edge', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.nat(500), fc.nat(500), (k, a, b) => {
        const path = [a];
        let q: number | null = a;
        while (q !== null && q !== b) {
          q = nextHopToward(q, b, k);
          if (q !== null) path.push(q);
        }
        expect(path).toEqual(pathBetween(a, b, k));
        for (let i = 1; i < path.length; i++)
          expect(parentOf(path[i]!, k) === path[i - 1] || parentOf(path[i - 1]!, k) === path[i]).toBe(true);
      }),
    );
  });

  it('counts subtree sizes that add up to the whole tree', () => {
    expect(subtreeSize(0, 2, 15)).toBe(15);
    expect(subtreeSize(1, 2, 15)).toBe(7);
    expect(subtreeSize(2, 2, 12)).toBe(4);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 2000 }), (k, size) => {
        const children = childrenOf(0, k, size);
        expect(1 + children.reduce((sum, c) => sum + subtreeSize(c, k, size), 0)).toBe(size);
      }),
    );
  });
});
