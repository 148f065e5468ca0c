import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../../core/wire/replay-guard.ts';

describe('ReplayGuard', () => {
  it('remembers an id from one sender, not from another', () => {
    const g = new ReplayGuard(1000, 10);
    g.add('alice', 'm1', 0);
    expect(g.has('alice', 'm1')).toBe(true);
    expect(g.has('bob', 'm1')).toBe(false);
  });

  it('forgets ids once twice the window has passed, and not before', () => {
    const g = new ReplayGuard(1000, 10);
    g.add('alice', 'm1', 0);
    g.add('alice', 'm2', 1999);
    expect(g.has('alice', 'm1')).toBe(true);
    g.add('alice', 'm3', 2000);
    expect(g.has('alice', 'm1')).toBe(false);
    expect(g.has('alice', 'm2')).toBe(true);
  });

  it('stays within its bound by forgetting the oldest id first', () => {
    const g = new ReplayGuard(1000, 3);
    for (let i = 0; i < 5; i++) g.add('a', `m${i}`, i);
    expect(g.size).toBe(3);
    expect(g.has('a', 'm0')).toBe(false);
    expect(g.has('a', 'm4')).toBe(true);
  });

  it('keeps exactly the newest ids through many thousands of evictions', () => {
    const g = new ReplayGuard(1_000_000, 1000);
    for (let i = 0; i < 10_000; i++) g.add('a', `m${i}`, i);
    expect(g.size).toBe(1000);
    const remembered = Array.from({ length: 10_000 }, (_, i) => g.has('a', `m${i}`));
    expect(remembered.indexOf(true)).toBe(9000);
    expect(remembered.slice(9000).every(Boolean)).toBe(true);
  });

  it('forgets each id when its time comes, also after the queue was compacted many times', () => {
    const g = new ReplayGuard(500, 100_000);
    for (let t = 0; t < 20_000; t++) g.add('a', `m${t}`, t);
    // Each id lives 2 × 500 ms: at t = 19,999 the ids from t = 19,000 on are remembered.
    expect(g.size).toBe(1000);
    expect(g.has('a', 'm18999')).toBe(false);
    expect(g.has('a', 'm19000')).toBe(true);
    g.add('a', 'late', 40_000);
    expect(g.size).toBe(1);
  });

  it('remembers an id added twice from its first sighting, once', () => {
    const g = new ReplayGuard(1000, 10);
    g.add('a', 'm1', 0);
    g.add('a', 'm1', 1500);
    expect(g.size).toBe(1);
    g.add('a', 'm2', 2000);
    expect(g.has('a', 'm1')).toBe(false);
  });
});
