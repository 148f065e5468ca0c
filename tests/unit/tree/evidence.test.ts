import { describe, expect, it } from 'vitest';
import { verifyNext } from '../../../core/tree/chain.ts';
import {
  recordHash,
  signRecord,
  signSuspicion,
  type EpochRecord,
  type Suspicion,
} from '../../../core/tree/epoch-record.ts';
import {
  hasQuorum,
  heldQuorum,
  quorum,
  takeoverProblem,
  validSuspicions,
  watcherSuspicions,
  watchersOf,
} from '../../../core/tree/evidence.ts';
import type { Membership, MembershipOp } from '../../../core/tree/types.ts';
import { chain, envOf, ref } from './fixtures.ts';

const env = envOf(0);
/** r<by>'s signed suspicion of `of` at view m (tree r0). */
const sus = (m: Membership, of: string, by: number): Suspicion =>
  signSuspicion(envOf(by), 'r0', m.epoch, m.digest, of, `r${by}`);
const dead = (members: Membership['members'], id: string): Extract<MembershipOp, { op: 'remove' }> => {
  const at = members.findIndex((r) => r.id === id);
  return { op: 'remove', ref: members[at]!, at, reason: 'dead' };
};
/** A record of the next epoch of m signed by r<signer> with these ops and evidence. */
const takeover = (m: Membership, signer: number, ops: readonly MembershipOp[], ev: readonly Suspicion[]): EpochRecord =>
  signRecord(envOf(signer), { t: 'r0', e: m.epoch + 1, p: m.digest, ops, by: `r${signer}`, ev });

describe('watchersOf', () => {
  it('gives the root its children (its root group)', () => {
    expect(watchersOf(0, 2, 7)).toEqual([1, 2]);
    expect(watchersOf(0, 3, 10)).toEqual([1, 2, 3]);
    expect(watchersOf(0, 2, 2)).toEqual([1]);
    expect(watchersOf(0, 2, 1)).toEqual([]);
  });

  it('gives a root child its parent, its children and the rest of the root group', () => {
    expect(watchersOf(1, 2, 7)).toEqual([0, 2, 3, 4]);
    expect(watchersOf(2, 2, 6)).toEqual([0, 1, 5]);
    expect(watchersOf(3, 3, 10)).toEqual([0, 1, 2]);
  });

  it('gives a deep relay its tree edges only', () => {
    expect(watchersOf(4, 2, 15)).toEqual([1, 9, 10]);
    expect(watchersOf(6, 2, 7)).toEqual([2]);
  });
});

describe('quorum', () => {
  it('is a strict majority of the watchers', () => {
    expect([1, 2, 3, 4, 5, 6].map(quorum)).toEqual([1, 2, 2, 3, 3, 4]);
  });
});

describe('suspicions as evidence', () => {
  const m6 = chain(6).membership;
  const { log: log6 } = chain(6);
  const m5 = { epoch: 5, digest: recordHash(env, log6[4]!), members: m6.members };

  it("count only distinct, valid ones from the suspect's watchers at this version", () => {
    expect(validSuspicions(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), sus(m6, 'r0', 2)]).map((s) => s.by)).toEqual([
      'r1',
      'r2',
    ]);
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), sus(m6, 'r0', 2)])).toBe(true);
  });

  it('do not reach a quorum with one watcher saying it twice', () => {
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), sus(m6, 'r0', 1)])).toBe(false);
  });

  it('refuse a suspicion signed by another watcher than it names', () => {
    const forged = { ...signSuspicion(envOf(1), 'r0', 6, m6.digest, 'r0', 'r2') };
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), forged])).toBe(false);
  });

  it('count a valid statement even when a forged one by the same watcher comes first', () => {
    const forged = { ...sus(m6, 'r0', 2), sig: sus(m6, 'r0', 1).sig };
    expect(
      validSuspicions(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), forged, sus(m6, 'r0', 2)]).map((s) => s.by),
    ).toEqual(['r1', 'r2']);
  });

  it('are counted again without signatures when held (verified on arrival), by the same rule', () => {
    const held = [sus(m6, 'r0', 1), sus(m6, 'r0', 1), sus(m6, 'r0', 3), sus(m6, 'r0', 2)];
    expect(watcherSuspicions(2, m6, 'r0', held).map((s) => s.by)).toEqual(['r1', 'r2']);
    expect(heldQuorum(2, m6, 'r0', held)).toBe(true);
    expect(heldQuorum(2, m6, 'r0', held.slice(0, 3))).toBe(false);
    expect(heldQuorum(2, m6, 'r0', [sus(m6, 'r0', 2)], new Set(['r1']))).toBe(true);
    expect(heldQuorum(2, m6, 'r0', held, new Set(), new Set(['r2']))).toBe(false);
  });

  it('refuse a suspicion from a relay that does not watch the suspect', () => {
    expect(validSuspicions(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 3), sus(m6, 'r0', 5)])).toEqual([]);
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), sus(m6, 'r0', 3)])).toBe(false);
  });

  it('refuse a stale suspicion, made at another version', () => {
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), sus(m5, 'r0', 2)])).toBe(false);
    expect(hasQuorum(env, 2, 'r0', m5, 'r0', [sus(m5, 'r0', 1), sus(m5, 'r0', 2)])).toBe(true);
  });

  it('refuse a suspicion of someone else', () => {
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 1), sus(m6, 'r1', 2)])).toBe(false);
  });

  it('need fewer statements once watchers are excluded, and none for a stranger', () => {
    expect(hasQuorum(env, 2, 'r0', m6, 'r0', [sus(m6, 'r0', 2)], new Set(['r1']))).toBe(true);
    expect(hasQuorum(env, 2, 'r0', m6, 'r9', [sus(m6, 'r9', 1)])).toBe(false);
  });
});

describe('takeoverProblem', () => {
  const m6 = chain(6).membership;
  const m10 = chain(10).membership;

  it('refuses one root child taking over the root on its own word (k = 2)', () => {
    expect(takeoverProblem(env, 2, 'r0', m6, takeover(m6, 1, [dead(m6.members, 'r0')], [sus(m6, 'r0', 1)]))).toBe(
      'takeover-without-quorum',
    );
    expect(takeoverProblem(env, 2, 'r0', m6, takeover(m6, 2, [dead(m6.members, 'r0')], [sus(m6, 'r0', 2)]))).toBe(
      'takeover-without-quorum',
    );
  });

  it('refuses one root child taking over the root on its own word (k = 3), even with a forged second statement', () => {
    const forged = signSuspicion(envOf(1), 'r0', 10, m10.digest, 'r0', 'r2');
    expect(takeoverProblem(env, 3, 'r0', m10, takeover(m10, 1, [dead(m10.members, 'r0')], [sus(m10, 'r0', 1)]))).toBe(
      'takeover-without-quorum',
    );
    expect(
      takeoverProblem(env, 3, 'r0', m10, takeover(m10, 1, [dead(m10.members, 'r0')], [sus(m10, 'r0', 1), forged])),
    ).toBe('takeover-without-quorum');
  });

  it("accepts a takeover with a quorum of the root's watchers (k = 2: both children; k = 3: two of three)", () => {
    expect(
      takeoverProblem(
        env,
        2,
        'r0',
        m6,
        takeover(m6, 1, [dead(m6.members, 'r0')], [sus(m6, 'r0', 1), sus(m6, 'r0', 2)]),
      ),
    ).toBeNull();
    expect(
      takeoverProblem(
        env,
        3,
        'r0',
        m10,
        takeover(m10, 3, [dead(m10.members, 'r0')], [sus(m10, 'r0', 1), sus(m10, 'r0', 3)]),
      ),
    ).toBeNull();
  });

  it('refuses stale suspicions and suspicions from non-watchers', () => {
    const { log } = chain(6);
    const m5 = { epoch: 5, digest: recordHash(env, log[4]!), members: m6.members };
    expect(
      takeoverProblem(
        env,
        2,
        'r0',
        m6,
        takeover(m6, 1, [dead(m6.members, 'r0')], [sus(m6, 'r0', 1), sus(m5, 'r0', 2)]),
      ),
    ).toBe('takeover-without-quorum');
    expect(
      takeoverProblem(
        env,
        2,
        'r0',
        m6,
        takeover(m6, 1, [dead(m6.members, 'r0')], [sus(m6, 'r0', 1), sus(m6, 'r0', 3), sus(m6, 'r0', 4)]),
      ),
    ).toBe('takeover-without-quorum');
  });

  it('refuses a signer outside the root group, even with a quorum', () => {
    expect(
      takeoverProblem(
        env,
        2,
        'r0',
        m6,
        takeover(m6, 3, [dead(m6.members, 'r0')], [sus(m6, 'r0', 1), sus(m6, 'r0', 2)]),
      ),
    ).toBe('signer-not-sequencer');
  });

  it('refuses a record that does not remove the root as dead, or removes anyone else than silent root-group members', () => {
    const q0 = [sus(m6, 'r0', 1), sus(m6, 'r0', 2)];
    const q2 = [sus(m6, 'r2', 1), sus(m6, 'r2', 5)];
    expect(takeoverProblem(env, 2, 'r0', m6, takeover(m6, 1, [dead(m6.members, 'r2')], q2))).toBe('takeover-shape');
    expect(
      takeoverProblem(env, 2, 'r0', m6, takeover(m6, 1, [{ ...dead(m6.members, 'r0'), reason: 'left' }], q0)),
    ).toBe('takeover-shape');
    expect(
      takeoverProblem(
        env,
        2,
        'r0',
        m6,
        takeover(m6, 1, [dead(m6.members, 'r0'), { op: 'add', ref: ref(9), adm: '' }], q0),
      ),
    ).toBe('takeover-shape');
    expect(
      takeoverProblem(env, 2, 'r0', m6, takeover(m6, 1, [dead(m6.members, 'r0'), dead(m6.members, 'r3')], q0)),
    ).toBe('takeover-shape');
    expect(
      takeoverProblem(env, 2, 'r0', m6, takeover(m6, 1, [dead(m6.members, 'r0'), dead(m6.members, 'r0')], q0)),
    ).toBe('takeover-shape');
    expect(
      takeoverProblem(env, 2, 'r0', m6, takeover(m6, 1, [dead(m6.members, 'r1'), dead(m6.members, 'r0')], q0)),
    ).toBe('takeover-shape');
  });

  describe('in a double failure (k = 2, root and child 1 silent)', () => {
    const m7 = chain(7).membership;
    // r1's watchers are r0, r2, r3, r4 (quorum 3); once r1 is removed, r0's only watcher left is r2.
    const evidence = [sus(m7, 'r1', 2), sus(m7, 'r1', 3), sus(m7, 'r1', 4), sus(m7, 'r0', 2)];
    const ops = (): MembershipOp[] => {
      const first = dead(m7.members, 'r1');
      const after = [...m7.members];
      after[1] = after.pop()!;
      return [first, dead(after, 'r0')];
    };

    it("lets child 2 replace both with the suspicions of child 1's children", () => {
      const r = takeover(m7, 2, ops(), evidence);
      expect(takeoverProblem(env, 2, 'r0', m7, r)).toBeNull();
      const v = verifyNext(env, 2, 'r0', m7, r);
      expect(v.ok && v.membership.members.map((x) => x.id)).toEqual(['r5', 'r6', 'r2', 'r3', 'r4']);
    });

    it("does not let child 2 remove child 1 without a quorum of child 1's own watchers", () => {
      const r = takeover(m7, 2, ops(), [sus(m7, 'r1', 2), sus(m7, 'r1', 3), sus(m7, 'r0', 2)]);
      expect(takeoverProblem(env, 2, 'r0', m7, r)).toBe('takeover-without-quorum');
    });
  });

  // r2 and r3 collude against a live r1 (k = 2, 7 relays). Removed first, r1's quorum is 3 of r0, r2, r3,
  // r4: they fall short. Listing the root first, its quorum counts r1's own (genuine) suspicion of r0,
  // and then r1's quorum shrinks to 2 of r2, r3, r4, because r0 is "removed earlier". A record must not
  // count a watcher's statement and remove that same watcher as dead.
  it('refuses a takeover whose quorum for one member counts a watcher the same record removes later', () => {
    const m7 = chain(7).membership;
    const afterRoot = [...m7.members];
    afterRoot[0] = afterRoot.pop()!;
    const rootFirst = [dead(m7.members, 'r0'), dead(afterRoot, 'r1')];
    const ev = [sus(m7, 'r0', 1), sus(m7, 'r0', 2), sus(m7, 'r1', 2), sus(m7, 'r1', 3)];
    const afterR1 = [...m7.members];
    afterR1[1] = afterR1.pop()!;
    const r1First = [dead(m7.members, 'r1'), dead(afterR1, 'r0')];
    expect(takeoverProblem(env, 2, 'r0', m7, takeover(m7, 2, r1First, ev))).toBe('takeover-without-quorum');
    expect(takeoverProblem(env, 2, 'r0', m7, takeover(m7, 2, rootFirst, ev))).toBe('takeover-without-quorum');
  });
});
