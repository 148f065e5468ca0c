import { describe, expect, it } from 'vitest';
import { rendezvousOrder, repairRank } from '../../../core/storage/placement.ts';
import {
  auditTargets,
  EFFECT_ORDER,
  emptyRepairState,
  nextSweepDelay,
  planRepair,
  type RepairEffect,
  type RepairPolicy,
  type ShardObservation,
} from '../../../core/storage/repair-plan.ts';

const POLICY: RepairPolicy = {
  failedMemoryMs: 10_000,
  leaderTimeoutMs: 2_000,
  maxCopies: 16,
  maxReleases: 16,
  maxEntries: 1000,
  maxReplicas: 16,
};
const HASH = 'c0'.repeat(32);
const MEMBERS = Array.from({ length: 8 }, (_, i) => `relay${i}aaaaaaaaaa`);
const ORDER = rendezvousOrder(
  HASH,
  MEMBERS.map((id) => ({ id })),
).map((m) => m.id);

function obs(
  self: string,
  passed: readonly string[],
  failed: readonly string[] = [],
  over: Partial<ShardObservation> = {},
): ShardObservation {
  return {
    hash: HASH,
    target: 3,
    selfHolds: true,
    selfOwners: ['o'.repeat(64).replace(/o/g, 'a')],
    audits: [
      ...passed.map((id) => ({ id, ok: true, owners: ['a'.repeat(64)] })),
      ...failed.map((id) => ({ id, ok: false, claimed: true })),
    ],
    ...over,
  };
}

const kinds = (effects: readonly RepairEffect[]) => effects.map((e) => e.kind);
const copies = (effects: readonly RepairEffect[]) => effects.flatMap((e) => (e.kind === 'copy' ? e.to : []));

describe('planRepair', () => {
  it('records only the holders that passed an audit, in rendezvous order, and does nothing more at the target', () => {
    const [a, b, c] = ORDER;
    const { effects, report } = planRepair(
      emptyRepairState(),
      { now: 0, selfId: a!, members: MEMBERS, observed: [obs(a!, [b!, c!], [ORDER[3]!])] },
      POLICY,
    );
    expect(effects).toEqual([{ kind: 'record', hash: HASH, holders: [a, b, c] }]);
    expect(report).toMatchObject({ underReplicated: 0, backlog: 0 });
  });

  it('lets the first survivor in repair rank copy at once, and the next one only after its time-out', () => {
    const survivors = [ORDER[0]!, ORDER[4]!];
    const [first, second] = repairRank(HASH, survivors);
    const other = (self: string) => survivors.find((s) => s !== self)!;
    const lead = planRepair(
      emptyRepairState(),
      { now: 0, selfId: first!, members: MEMBERS, observed: [obs(first!, [other(first!)])] },
      POLICY,
    );
    // The missing copy goes to the first member in rendezvous order that lacks it.
    expect(copies(lead.effects)).toEqual([ORDER[1]]);
    expect(lead.report).toMatchObject({ underReplicated: 1, backlog: 1 });

    let state = emptyRepairState();
    const step = (now: number) => {
      const r = planRepair(
        state,
        { now, selfId: second!, members: MEMBERS, observed: [obs(second!, [other(second!)])] },
        POLICY,
      );
      state = r.state;
      return r;
    };
    expect(copies(step(0).effects)).toEqual([]);
    expect(step(0).report.deferred).toBe(1);
    expect(copies(step(1_999).effects)).toEqual([]);
    expect(copies(step(2_000).effects)).toEqual([ORDER[1]]);
  });

  it('repairs around a relay that failed its audit and does not send it the shard again for a while', () => {
    const [a, b, c, d] = ORDER;
    const [self, other] = repairRank(HASH, [a!, b!]) as [string, string];
    const r1 = planRepair(
      emptyRepairState(),
      { now: 0, selfId: self, members: MEMBERS, observed: [obs(self, [other], [c!])] },
      POLICY,
    );
    // c failed its audit: the copy goes to d, the next in rendezvous order, never to c.
    expect(copies(r1.effects)).toEqual([d]);
    const later = planRepair(
      r1.state,
      { now: 5_000, selfId: self, members: MEMBERS, observed: [obs(self, [other, d!], [c!])] },
      POLICY,
    );
    expect(copies(later.effects)).toEqual([]); // c is still avoided: 3 verified holders, nothing misplaced
    expect(later.report).toMatchObject({ underReplicated: 0, backlog: 0 });
    // Remembered failures expire: then c (ranked among the first 3) gets its share back, from the leader.
    const leader = repairRank(HASH, [a!, b!, d!])[0]!;
    const after = planRepair(
      r1.state,
      {
        now: 20_000,
        selfId: leader,
        members: MEMBERS,
        observed: [
          obs(
            leader,
            [a!, b!, d!].filter((x) => x !== leader),
          ),
        ],
      },
      POLICY,
    );
    expect(copies(after.effects)).toEqual([c]);
  });

  it('does not hold it against a relay that never claimed the shard that it fails an audit (it is where a copy goes)', () => {
    const [a, b, c] = ORDER;
    const [self, other] = repairRank(HASH, [a!, b!]) as [string, string];
    const first: ShardObservation = {
      ...obs(self, [other]),
      audits: [
        { id: other, ok: true, owners: ['a'.repeat(64)] },
        { id: c!, ok: false, claimed: false },
      ],
    };
    const r = planRepair(emptyRepairState(), { now: 0, selfId: self, members: MEMBERS, observed: [first] }, POLICY);
    expect(copies(r.effects)).toEqual([c]);
    expect(r.state.failedUntil.size).toBe(0);
  });

  it('gives a new member its rendezvous share, then the relay ranked below the target releases its own copy', () => {
    const [a, b, c, d] = ORDER;
    // b, c, d hold it (a is new and ranks first): the leader among them copies to a.
    const leader = repairRank(HASH, [b!, c!, d!])[0]!;
    const others = [b!, c!, d!].filter((x) => x !== leader);
    const share = planRepair(
      emptyRepairState(),
      { now: 0, selfId: leader, members: MEMBERS, observed: [obs(leader, others)] },
      POLICY,
    );
    expect(copies(share.effects)).toEqual([a]);
    // The planned set has exactly the target's length: a new holder takes it as the shard's replica count.
    expect(share.effects.find((e) => e.kind === 'copy')).toMatchObject({ holders: [a, b, c] });
    expect(share.report.underReplicated).toBe(0);
    expect(share.report.backlog).toBe(1);
    // Now 4 verified holders: d (4th in rendezvous order) releases; a, b, c keep theirs.
    const release = planRepair(
      emptyRepairState(),
      { now: 1, selfId: d!, members: MEMBERS, observed: [obs(d!, [a!, b!, c!])] },
      POLICY,
    );
    expect(kinds(release.effects)).toEqual(['record', 'release']);
    for (const keeper of [a!, b!, c!]) {
      const r = planRepair(
        emptyRepairState(),
        {
          now: 1,
          selfId: keeper,
          members: MEMBERS,
          observed: [
            obs(
              keeper,
              [a!, b!, c!, d!].filter((x) => x !== keeper),
            ),
          ],
        },
        POLICY,
      );
      expect(kinds(r.effects), keeper).toEqual(['record']);
    }
  });

  it('never releases below the target, nor when a kept holder lacks one of its pins, nor without fresh proofs', () => {
    const [a, b, c, d] = ORDER;
    // Only 3 verified holders counting itself: no release even though d ranks 4th.
    expect(
      kinds(
        planRepair(
          emptyRepairState(),
          { now: 0, selfId: d!, members: MEMBERS, observed: [obs(d!, [a!, b!], [c!])] },
          POLICY,
        ).effects,
      ),
    ).not.toContain('release');
    // A kept holder does not keep d's pin owner: d keeps its copy.
    const noPin = obs(d!, [a!, b!, c!], [], { selfOwners: ['b'.repeat(64)] });
    expect(
      kinds(
        planRepair(emptyRepairState(), { now: 0, selfId: d!, members: MEMBERS, observed: [noPin] }, POLICY).effects,
      ),
    ).not.toContain('release');
  });

  it('hands its pins to a kept holder that lacks one, then releases once every kept holder has them', () => {
    const [a, b, c, d] = ORDER;
    const owner = 'a'.repeat(64);
    const pinless = (id: string) => ({ id, ok: true, owners: [] as string[] });
    const withPin = (id: string) => ({ id, ok: true, owners: [owner] });
    // d ranks 4th and holds the owner's pin; a (kept) answered its audit with no pin (lost in a crash).
    const first = planRepair(
      emptyRepairState(),
      {
        now: 0,
        selfId: d!,
        members: MEMBERS,
        observed: [obs(d!, [], [], { audits: [pinless(a!), withPin(b!), withPin(c!)] })],
      },
      POLICY,
    );
    expect(kinds(first.effects)).toEqual(['record', 'pins']);
    expect(first.effects.find((e) => e.kind === 'pins')).toMatchObject({ to: [a], holders: [a, b, c], target: 3 });
    expect(first.report.pinsOrdered).toBe(1);
    // A holder that still answers without them is not sent the bytes again for a while (it refuses, or it lies).
    const again = planRepair(
      first.state,
      {
        now: 1,
        selfId: d!,
        members: MEMBERS,
        observed: [obs(d!, [], [], { audits: [pinless(a!), withPin(b!), withPin(c!)] })],
      },
      POLICY,
    );
    expect(kinds(again.effects)).toEqual(['record']);
    // Next sweep a proves the pin: d's copy is surplus and goes.
    const next = planRepair(
      first.state,
      { now: 1, selfId: d!, members: MEMBERS, observed: [obs(d!, [], [], { audits: [a!, b!, c!].map(withPin) })] },
      POLICY,
    );
    expect(kinds(next.effects)).toEqual(['record', 'release']);
    // An answer of MAX_PINS_PER_MESSAGE owners may be cut short: it is not read as lacking one.
    const full = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(64, '0'));
    const cut = planRepair(
      emptyRepairState(),
      {
        now: 0,
        selfId: d!,
        members: MEMBERS,
        observed: [obs(d!, [], [], { audits: [{ id: a!, ok: true, owners: full }, withPin(b!), withPin(c!)] })],
      },
      POLICY,
    );
    expect(kinds(cut.effects)).not.toContain('pins');
    // A holder that refused the shard lately is not sent it again until the failure is forgotten.
    const refused = planRepair(
      emptyRepairState(),
      {
        now: 0,
        selfId: d!,
        members: MEMBERS,
        observed: [obs(d!, [], [], { audits: [pinless(a!), withPin(b!), withPin(c!)] })],
        failedCopies: [{ hash: HASH, id: a! }],
      },
      POLICY,
    );
    expect(kinds(refused.effects)).not.toContain('pins');
  });

  it('forgets a copy that did not read back, and orders effects record, forget, copy, release', () => {
    const [a, b, c, d, e] = ORDER;
    const lost = { ...obs(a!, []), hash: 'd1'.repeat(32), selfHolds: false };
    const { effects } = planRepair(
      emptyRepairState(),
      { now: 0, selfId: e!, members: MEMBERS, observed: [obs(e!, [a!, b!, c!, d!]), lost, obs(e!, [])] },
      POLICY,
    );
    const order = effects.map((x) => EFFECT_ORDER.indexOf(x.kind));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(kinds(effects)).toContain('forget');
  });

  it('bounds the copies of one step and caps the target at the tree size and maxReplicas', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      ...obs(MEMBERS[0]!, []),
      hash: i.toString(16).padStart(64, '0'),
    }));
    const r = planRepair(
      emptyRepairState(),
      { now: 0, selfId: MEMBERS[0]!, members: MEMBERS, observed: many },
      { ...POLICY, maxCopies: 5 },
    );
    expect(copies(r.effects).length).toBeLessThanOrEqual(5);
    expect(r.report.underReplicated).toBe(40);
    const two = planRepair(
      emptyRepairState(),
      {
        now: 0,
        selfId: MEMBERS[0]!,
        members: MEMBERS.slice(0, 2),
        observed: [{ ...obs(MEMBERS[0]!, [MEMBERS[1]!]), target: 3 }],
      },
      POLICY,
    );
    expect(two.report.underReplicated).toBe(0);
    const huge = planRepair(
      emptyRepairState(),
      { now: 0, selfId: ORDER[0]!, members: MEMBERS, observed: [{ ...obs(ORDER[0]!, []), target: 64 }] },
      { ...POLICY, maxReplicas: 4 },
    );
    expect(huge.report.backlog).toBe(3);
  });
});

describe('planRepair on a tree smaller than the target', () => {
  it('copies onto each relay that joins, sending the stored target along, until the target is met', () => {
    const members = MEMBERS.slice(0, 3);
    const order = rendezvousOrder(
      HASH,
      members.map((id) => ({ id })),
    ).map((m) => m.id);
    const [a, b, c] = order as [string, string, string];
    // Alone: one copy, nothing to do, not counted as under-replicated.
    const alone = planRepair(emptyRepairState(), { now: 0, selfId: a, members: [a], observed: [obs(a, [])] }, POLICY);
    expect(copies(alone.effects)).toEqual([]);
    expect(alone.report).toMatchObject({ underReplicated: 0, backlog: 0 });
    // A second relay joins: it gets a copy, and learns that the shard wants 3 (not the 2 of the set sent along).
    const two = planRepair(alone.state, { now: 1, selfId: a, members: [a, b], observed: [obs(a, [])] }, POLICY);
    expect(two.effects.filter((e) => e.kind === 'copy')).toEqual([
      { kind: 'copy', hash: HASH, to: [b], holders: [a, b], target: 3 },
    ]);
    // A third joins: the copy holder ranked first among the verified ones sends it; 3 of 3 afterwards.
    const [lead] = repairRank(HASH, [a, b]);
    const three = planRepair(
      emptyRepairState(),
      { now: 2, selfId: lead!, members, observed: [obs(lead!, [lead === a ? b : a])] },
      POLICY,
    );
    expect(three.effects.filter((e) => e.kind === 'copy')).toEqual([
      { kind: 'copy', hash: HASH, to: [c], holders: [a, b, c], target: 3 },
    ]);
    expect(three.report).toMatchObject({ underReplicated: 1, backlog: 1 });
    const done = planRepair(
      three.state,
      {
        now: 3,
        selfId: lead!,
        members,
        observed: [
          obs(
            lead!,
            [a, b, c].filter((x) => x !== lead),
          ),
        ],
      },
      POLICY,
    );
    expect(kinds(done.effects)).toEqual(['record']);
    expect(done.report).toMatchObject({ underReplicated: 0, backlog: 0 });
  });

  it('counts only audited relays: a set of holders named by someone else is no input at all', () => {
    // The plan has no field for another relay's word: holders come from this relay's copy and passed audits. A
    // relay that claimed the shard (a hint) and failed its audit is neither a holder nor sent a copy for a while.
    const [a, b, c, d] = ORDER as [string, string, string, string];
    const [self, other] = repairRank(HASH, [a, b]) as [string, string];
    const r = planRepair(
      emptyRepairState(),
      { now: 0, selfId: self, members: MEMBERS, observed: [obs(self, [other], [c])] },
      POLICY,
    );
    expect(r.effects[0]).toEqual({ kind: 'record', hash: HASH, holders: [a, b] });
    expect(copies(r.effects)).toEqual([d]);
  });
});

describe('auditTargets and nextSweepDelay', () => {
  it('audits the first target + spare members and the known holders, never itself', () => {
    const t = auditTargets(HASH, ORDER[0]!, MEMBERS, [ORDER[7]!, 'not-a-member'], 3, 1, 32);
    expect(t).toEqual([ORDER[1], ORDER[2], ORDER[3], ORDER[7]]);
  });
  it('jitters the interval within its percentage', () => {
    expect(nextSweepDelay(1000, 20, () => 0)).toBe(800);
    expect(nextSweepDelay(1000, 20, () => 0.999999)).toBe(1200);
  });
});
