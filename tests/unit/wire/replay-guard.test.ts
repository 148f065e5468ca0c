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
});
