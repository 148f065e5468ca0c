import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyOps,
  compareVersions,
  EMPTY_MEMBERSHIP,
  memberAt,
  membershipBytes,
  positionOf,
  undoOps,
} from '../../../core/tree/membership.ts';
import type { MembershipOp, NodeRef } from '../../../core/tree/types.ts';
import { grow, ref } from './fixtures.ts';

const ids = (members: readonly NodeRef[] | null) => members?.map((r) => r.id);
const remove = (members: readonly NodeRef[], id: string, reason: 'left' | 'dead' = 'dead'): MembershipOp => {
  const at = members.findIndex((r) => r.id === id);
  return { op: 'remove', ref: members[at] ?? ref(999), at, reason };
};

describe('membership', () => {
  it('finds relays by position and position by id, and knows nobody when empty', () => {
    const m = grow(3);
    expect(memberAt(m, 0)).toEqual(ref(0));
    expect(positionOf(m, 'r2')).toBe(2);
    expect(positionOf(EMPTY_MEMBERSHIP, 'r0')).toBe(-1);
  });

  it('appends joiners in join order', () => {
    expect(ids(grow(5).members)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('moves the last relay into the position of a removed one', () => {
    const base = grow(6).members;
    expect(ids(applyOps(base, [remove(base, 'r2')]))).toEqual(['r0', 'r1', 'r5', 'r3', 'r4']);
  });

  it('replaces the root by the last relay too, and just drops the last relay when it is the one removed', () => {
    const base = grow(4).members;
    expect(ids(applyOps(base, [remove(base, 'r0')]))).toEqual(['r3', 'r1', 'r2']);
    expect(ids(applyOps(base, [remove(base, 'r3', 'left')]))).toEqual(['r0', 'r1', 'r2']);
  });

  it('refuses ops that do not apply: adding a member twice, removing a stranger, a wrong position or key', () => {
    const base = grow(3).members;
    expect(applyOps(base, [{ op: 'add', ref: ref(1), adm: '' }])).toBeNull();
    expect(applyOps(base, [{ op: 'remove', ref: ref(7), at: 1, reason: 'dead' }])).toBeNull();
    expect(applyOps(base, [{ op: 'remove', ref: ref(1), at: 2, reason: 'dead' }])).toBeNull();
    expect(
      applyOps(base, [{ op: 'remove', ref: { ...ref(1), key: 'ff'.repeat(32) }, at: 1, reason: 'dead' }]),
    ).toBeNull();
  });

  it('undoes any sequence of changes exactly (how two histories are compared from where they forked)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 20 }),
        (n, choices) => {
          let members: readonly NodeRef[] = grow(n).members;
          let next = 100;
          for (const c of choices) {
            const op: MembershipOp =
              c % 3 === 0 || members.length === 1
                ? { op: 'add', ref: ref(next++), adm: '' }
                : remove(members, members[c % members.length]!.id);
            const after = applyOps(members, [op])!;
            expect(ids(undoOps(after, [op]))).toEqual(ids(members));
            members = after;
          }
        },
      ),
    );
  });

  it('orders versions: the higher epoch wins, then the lower digest; equal versions tie', () => {
    expect(compareVersions({ epoch: 5, digest: 'ff' }, { epoch: 4, digest: '00' })).toBe(1);
    expect(compareVersions({ epoch: 4, digest: '00' }, { epoch: 5, digest: 'ff' })).toBe(-1);
    expect(compareVersions({ epoch: 5, digest: '01' }, { epoch: 5, digest: '02' })).toBe(1);
    expect(compareVersions({ epoch: 5, digest: '02' }, { epoch: 5, digest: '01' })).toBe(-1);
    expect(compareVersions({ epoch: 5, digest: '01' }, { epoch: 5, digest: '01' })).toBe(0);
  });

  it('estimates membership memory growing linearly with the tree', () => {
    expect(membershipBytes(grow(200))).toBeGreaterThan(membershipBytes(grow(100)) * 1.9);
  });
});
