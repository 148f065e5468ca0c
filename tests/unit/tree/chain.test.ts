import { describe, expect, it } from 'vitest';
import { extendLog, fitRecords, isChain, logIndexOf, verifyNext } from '../../../core/tree/chain.ts';
import {
  recordHash,
  signRecord,
  signSuspicion,
  type EpochRecord,
  type UnsignedRecord,
} from '../../../core/tree/epoch-record.ts';
import { step } from '../../../core/tree/machine.ts';
import { compareVersions } from '../../../core/tree/membership.ts';
import { MSG } from '../../../core/tree/messages.ts';
import type { Membership, MembershipOp } from '../../../core/tree/types.ts';
import { chain, chainState, envOf, ref } from './fixtures.ts';
import { MAX_EPOCH_LOG } from '../../../core/limits.ts';

const env = envOf(0);
const K = 2;
const OTHER = 'cd'.repeat(32);
const { membership: view, log } = chain(4);
const add = (i: number, adm = ''): MembershipOp => ({ op: 'add', ref: ref(i), adm });
const removeDead = (m: Membership, id: string): MembershipOp => {
  const at = m.members.findIndex((r) => r.id === id);
  return { op: 'remove', ref: m.members[at]!, at, reason: 'dead' };
};
/** The next record of `m` with `ops`, signed by r<signer> (and naming it), with optional evidence. */
const next = (
  m: Membership,
  ops: readonly MembershipOp[],
  signer = 0,
  more: Partial<UnsignedRecord> = {},
): EpochRecord =>
  signRecord(envOf(signer), { t: 'r0', e: m.epoch + 1, p: m.digest, ops, by: `r${signer}`, ev: [], ...more });
const refused = (r: EpochRecord, e = env) => {
  const v = verifyNext(e, K, 'r0', view, r);
  return v.ok ? 'accepted' : v.reason;
};

describe('verifyNext', () => {
  it("accepts the root's signed next epoch and returns the view it makes", () => {
    const r = next(view, [add(4)]);
    const v = verifyNext(env, K, 'r0', view, r);
    expect(v).toEqual({
      ok: true,
      membership: { epoch: 5, digest: recordHash(env, r), members: [ref(0), ref(1), ref(2), ref(3), ref(4)] },
    });
  });

  it('refuses a record of another tree', () => {
    expect(refused(signRecord(env, { t: 'r1', e: 5, p: view.digest, ops: [add(4)], by: 'r0', ev: [] }))).toBe(
      'foreign-tree',
    );
  });

  it('refuses a record that names the wrong previous hash', () => {
    expect(refused(next({ ...view, digest: OTHER }, [add(4)]))).toBe('not-next');
  });

  it('refuses a record that skips an epoch, or repeats the current one', () => {
    expect(refused(next({ ...view, epoch: 5 }, [add(4)]))).toBe('not-next');
    expect(refused(next({ ...view, epoch: 3 }, [add(4)]))).toBe('not-next');
  });

  it('refuses a member other than the root signing without evidence', () => {
    expect(refused(next(view, [add(4)], 3))).toBe('signer-not-sequencer');
    expect(refused(next(view, [removeDead(view, 'r0')], 1))).toBe('takeover-without-quorum');
    expect(refused(next(view, [add(4)], 1))).toBe('takeover-shape');
  });

  it('refuses a signer that is not a member', () => {
    expect(refused(next(view, [add(4)], 9))).toBe('signer-not-member');
  });

  it('refuses a bad signature: another key, or a field changed after signing', () => {
    const forged = signRecord(envOf(1), { t: 'r0', e: 5, p: view.digest, ops: [add(4)], by: 'r0', ev: [] });
    expect(refused(forged)).toBe('bad-record-signature');
    expect(refused({ ...next(view, [add(4)]), ops: [add(5)] })).toBe('bad-record-signature');
  });

  it('refuses an add whose key does not hash to its id', () => {
    expect(refused(next(view, [{ op: 'add', ref: { ...ref(4), key: ref(5).key }, adm: '' }]))).toBe('key-not-id');
    expect(refused(next(view, [{ op: 'add', ref: { ...ref(4), key: '77'.repeat(32) }, adm: '' }]))).toBe('key-not-id');
  });

  it('refuses an add the env does not admit', () => {
    const closed = { ...env, admits: (_id: string, adm: string) => adm === 'allow' };
    expect(refused(next(view, [add(4)]), closed)).toBe('not-admitted');
    expect(refused(next(view, [add(4, 'allow')]), closed)).toBe('accepted');
  });

  it('refuses ops that do not apply', () => {
    expect(refused(next(view, [add(1)]))).toBe('ops-do-not-apply');
    expect(refused(next(view, [{ op: 'remove', ref: ref(9), at: 3, reason: 'dead' }]))).toBe('ops-do-not-apply');
    expect(refused(next(view, [{ op: 'remove', ref: ref(2), at: 3, reason: 'dead' }]))).toBe('ops-do-not-apply');
  });

  it("refuses evidence on a root's record", () => {
    const s = signSuspicion(envOf(1), 'r0', 4, view.digest, 'r2', 'r1');
    expect(refused(next(view, [removeDead(view, 'r2')], 0, { ev: [s] }))).toBe('evidence-without-takeover');
  });
});

describe('the log', () => {
  it('knows a chain of consecutive, hash-linked records', () => {
    expect(isChain(env, log)).toBe(true);
    expect(isChain(env, [log[0]!, log[2]!])).toBe(false);
    expect(isChain(env, [log[1]!, { ...log[2]!, p: OTHER }])).toBe(false);
  });

  it('finds the record of a version only when epoch and hash both match', () => {
    expect(logIndexOf(env, log, 4, view.digest)).toBe(3);
    expect(logIndexOf(env, log, 4, OTHER)).toBe(-1);
    expect(logIndexOf(env, log, 5, view.digest)).toBe(-1);
    expect(logIndexOf(env, [], 1, view.digest)).toBe(-1);
  });

  it('keeps the newest MAX_EPOCH_LOG records', () => {
    const many = Array.from({ length: MAX_EPOCH_LOG }, () => log[0]!);
    const out = extendLog(many, [log[1]!]);
    expect(out).toHaveLength(MAX_EPOCH_LOG);
    expect(out.at(-1)).toBe(log[1]);
  });
});

describe('fitRecords', () => {
  const r5 = next(view, [add(4)]);
  const v5 = { epoch: 5, digest: recordHash(env, r5), members: [...view.members, ref(4)] };
  const r6 = next(v5, [add(5)]);

  it('fits records that extend the view as ahead, verified, and extends the log', () => {
    const fit = fitRecords(env, K, 'r0', view, log, [r5, r6]);
    expect(fit).toMatchObject({
      kind: 'ahead',
      wins: true,
      equivocation: false,
      membership: { epoch: 6, digest: recordHash(env, r6) },
    });
    if (fit.kind === 'ahead') expect(fit.log).toEqual([...log, r5, r6]);
  });

  it('skips the records it already holds', () => {
    expect(fitRecords(env, K, 'r0', view, log, [...log.slice(2), r5])).toMatchObject({
      kind: 'ahead',
      membership: { epoch: 5 },
    });
  });

  it('finds nothing new in records it holds, or none', () => {
    expect(fitRecords(env, K, 'r0', view, log, log.slice(1, 3))).toEqual({ kind: 'same' });
    expect(fitRecords(env, K, 'r0', view, log, [])).toEqual({ kind: 'same' });
  });

  it('cannot attach records after a gap, or any records to an empty log', () => {
    expect(fitRecords(env, K, 'r0', view, log, [r6])).toEqual({ kind: 'unattached' });
    expect(fitRecords(env, K, 'r0', view, [], [r5])).toEqual({ kind: 'unattached' });
  });

  it('refuses records that are not a chain, or that hold an invalid record', () => {
    expect(fitRecords(env, K, 'r0', view, log, [r5, { ...r6, p: OTHER }])).toEqual({
      kind: 'invalid',
      reason: 'not-a-chain',
    });
    expect(fitRecords(env, K, 'r0', view, log, [r5, next(v5, [add(5)], 3)])).toEqual({
      kind: 'invalid',
      reason: 'signer-not-sequencer',
    });
  });

  // Two sequencers after a partition: r0 added r4 at epoch 5; on the other side r1 took over from r0 with
  // the suspicions of both root watchers (r1, r2). Each side sees a fork; exactly one wins by version order.
  const takeover = next(view, [removeDead(view, 'r0')], 1, {
    ev: [
      signSuspicion(envOf(1), 'r0', 4, view.digest, 'r0', 'r1'),
      signSuspicion(envOf(2), 'r0', 4, view.digest, 'r0', 'r2'),
    ],
  });
  const t5 = verifyNext(env, K, 'r0', view, takeover);

  it('fits a fork from two different signers, and lets the version order pick the winner on both sides', () => {
    expect(t5.ok).toBe(true);
    if (!t5.ok) return;
    const atRoot = fitRecords(env, K, 'r0', v5, [...log, r5], [takeover]);
    const atTaker = fitRecords(env, K, 'r0', t5.membership, [...log, takeover], [r5]);
    expect(atRoot).toMatchObject({ kind: 'fork', equivocation: false, membership: t5.membership });
    expect(atTaker).toMatchObject({ kind: 'fork', equivocation: false, membership: v5 });
    if (atRoot.kind !== 'fork' || atTaker.kind !== 'fork') return;
    expect(atRoot.wins).toBe(compareVersions(t5.membership, v5) > 0);
    expect(atRoot.wins).not.toBe(atTaker.wins);
    expect(atRoot.log).toEqual([...log, takeover]);
  });

  it('marks the same signer twice at one epoch as equivocation, won by the lower record hash whichever came first', () => {
    const other5 = next(view, [add(5)]);
    const lowerIsOther = recordHash(env, other5) < recordHash(env, r5);
    expect(fitRecords(env, K, 'r0', v5, [...log, r5], [other5])).toMatchObject({
      kind: 'fork',
      equivocation: true,
      wins: lowerIsOther,
    });
    // Seen from the other side, the same pair gives the opposite answer: every relay ends on the same record.
    const vOther = verifyNext(env, K, 'r0', view, other5);
    if (!vOther.ok) throw new Error(vOther.reason);
    expect(fitRecords(env, K, 'r0', vOther.membership, [...log, other5], [r5])).toMatchObject({
      kind: 'fork',
      equivocation: true,
      wins: !lowerIsOther,
    });
  });

  it('has a relay count an equivocating sequencer and end on the successor with the lower hash', () => {
    const other5 = next(view, [add(5)]);
    const s = { ...chainState(1, 4), membership: v5, log: [...log, r5] };
    const r = step(
      s,
      {
        type: 'message',
        now: 2_000,
        from: 'r0',
        msgType: MSG.sync,
        body: { t: 'r0', recs: [other5], m: null, from: ref(0) },
      },
      envOf(1),
    );
    expect(r.state.counters.equivocation).toBe(1);
    const lower = recordHash(env, other5) < recordHash(env, r5) ? other5 : r5;
    expect(r.state.membership.digest).toBe(recordHash(env, lower));
  });

  it('refuses a fork branch that is not valid from the fork point', () => {
    const bogus = next(view, [removeDead(view, 'r0')], 1);
    expect(fitRecords(env, K, 'r0', v5, [...log, r5], [bogus])).toEqual({
      kind: 'invalid',
      reason: 'takeover-without-quorum',
    });
  });
});
