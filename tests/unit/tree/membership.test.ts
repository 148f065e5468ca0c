import { describe, expect, it } from 'vitest';
import { applyOps, compareVersions, createMembership, EMPTY_MEMBERSHIP, hashText, memberAt, membershipBytes, positionOf } from '../../../core/tree/membership.ts';
import type { Membership } from '../../../core/tree/types.ts';

const ref = (i: number) => ({ id: `r${i}`, url: `wss://r${i}` });

function grow(n: number): Membership {
  let m = createMembership(ref(0));
  for (let i = 1; i < n; i++) m = applyOps(m, [{ op: 'add', ref: ref(i) }])!;
  return m;
}

describe('membership', () => {
  it('starts a tree at epoch 1 with the root at position 0', () => {
    const m = createMembership(ref(0));
    expect(m.epoch).toBe(1);
    expect(memberAt(m, 0)).toEqual(ref(0));
    expect(positionOf(m, 'r0')).toBe(0);
    expect(positionOf(EMPTY_MEMBERSHIP, 'r0')).toBe(-1);
  });

  it('appends joiners in join order and bumps the epoch on every change', () => {
    const m = grow(5);
    expect(m.epoch).toBe(5);
    expect(m.members.map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('moves the last relay into the position of a removed one', () => {
    const m = applyOps(grow(6), [{ op: 'remove', id: 'r2', reason: 'dead' }])!;
    expect(m.members.map((r) => r.id)).toEqual(['r0', 'r1', 'r5', 'r3', 'r4']);
    expect(positionOf(m, 'r5')).toBe(2);
    expect(positionOf(m, 'r2')).toBe(-1);
  });

  it('replaces the root by the last relay too', () => {
    const m = applyOps(grow(4), [{ op: 'remove', id: 'r0', reason: 'dead' }])!;
    expect(m.members.map((r) => r.id)).toEqual(['r3', 'r1', 'r2']);
  });

  it('just drops the last relay when it is the one removed', () => {
    const m = applyOps(grow(4), [{ op: 'remove', id: 'r3', reason: 'left' }])!;
    expect(m.members.map((r) => r.id)).toEqual(['r0', 'r1', 'r2']);
  });

  it('refuses ops that do not apply: adding a member twice, removing a stranger', () => {
    expect(applyOps(grow(3), [{ op: 'add', ref: ref(1) }])).toBeNull();
    expect(applyOps(grow(3), [{ op: 'remove', id: 'nobody', reason: 'dead' }])).toBeNull();
  });

  it('gives the same change applied by two relays the same digest, and different changes different ones', () => {
    const base = grow(4);
    const a = applyOps({ ...base }, [{ op: 'remove', id: 'r1', reason: 'dead' }])!;
    const b = applyOps({ ...base, members: base.members.slice() }, [{ op: 'remove', id: 'r1', reason: 'dead' }])!;
    const c = applyOps(base, [{ op: 'remove', id: 'r2', reason: 'dead' }])!;
    expect(a.digest).toBe(b.digest);
    expect(a.digest).not.toBe(c.digest);
    expect(a.epoch).toBe(c.epoch);
  });

  it('orders versions: the higher epoch wins, then the lower digest; equal versions tie', () => {
    expect(compareVersions({ epoch: 5, digest: 'ff' }, { epoch: 4, digest: '00' })).toBe(1);
    expect(compareVersions({ epoch: 4, digest: '00' }, { epoch: 5, digest: 'ff' })).toBe(-1);
    expect(compareVersions({ epoch: 5, digest: '01' }, { epoch: 5, digest: '02' })).toBe(1);
    expect(compareVersions({ epoch: 5, digest: '02' }, { epoch: 5, digest: '01' })).toBe(-1);
    expect(compareVersions({ epoch: 5, digest: '01' }, { epoch: 5, digest: '01' })).toBe(0);
  });

  it('hashes text to 16 hex characters, differently for different text', () => {
    expect(hashText('a')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashText('a')).not.toBe(hashText('b'));
  });

  it('estimates membership memory growing linearly with the tree', () => {
    expect(membershipBytes(grow(200))).toBeGreaterThan(membershipBytes(grow(100)) * 1.9);
  });
});
