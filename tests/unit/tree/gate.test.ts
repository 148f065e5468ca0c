// The membership gate (machine.ts knownSender): tree frames about membership are heard only from members,
// relays removed lately, a joiner's contact, or a peer quoting a version of this relay's own log. Also how
// the sequencer checks a report of a relay it does not watch before removing it.
import { describe, expect, it } from 'vitest';
import { recordHash, signRecord, signSuspicion } from '../../../core/tree/epoch-record.ts';
import { initialState, step } from '../../../core/tree/machine.ts';
import { MSG } from '../../../core/tree/messages.ts';
import type { TreeState } from '../../../core/tree/types.ts';
import { chain, chainState, envOf, ref, sends, signedUpdate } from './fixtures.ts';
import { CONFIRM_MS, TICK_MS } from '../../../core/limits.ts';

const OTHER = 'cd'.repeat(32);
const env9 = envOf(9);
const withoutCounters = (s: TreeState) => ({ ...s, counters: {} });

/** Well-formed frames from the stranger r9 to a member of chain(5); none quotes a version of its log. */
function strangerFrames(): [string, unknown][] {
  const { membership: m } = chain(5);
  const version = { t: 'r0', e: 3, d: OTHER, from: ref(9) };
  const rec = signRecord(env9, {
    t: 'r0',
    e: 6,
    p: m.digest,
    ops: [{ op: 'add', ref: ref(9), adm: '' }],
    by: 'r9',
    ev: [],
  });
  const detached = signRecord(env9, {
    t: 'r0',
    e: 6,
    p: OTHER,
    ops: [{ op: 'add', ref: ref(9), adm: '' }],
    by: 'r9',
    ev: [],
  });
  return [
    [MSG.heartbeat, version],
    [MSG.probe, version],
    [MSG.syncRequest, version],
    [
      MSG.sync,
      {
        t: 'r0',
        recs: [detached],
        m: { epoch: 6, digest: recordHash(env9, detached), members: [ref(9)] },
        from: ref(9),
      },
    ],
    [MSG.update, { t: 'r0', r: rec }],
    [MSG.report, { t: 'r0', e: 5, dead: 'r2' }],
    [MSG.leave, { t: 'r0', e: 5, from: ref(9) }],
    [MSG.suspect, { t: 'r0', e: 5, d: m.digest, s: signSuspicion(env9, 'r0', 5, m.digest, 'r0', 'r9') }],
    [MSG.broadcast, { mid: 'r9.0', src: 'r9', type: 'news', body: 1 }],
  ];
}

describe('the membership gate', () => {
  for (const [i, who] of [
    [0, 'the root'],
    [1, 'a root child'],
    [4, 'a leaf'],
  ] as const) {
    it(`has ${who} drop every membership frame of a stranger, count it dropped-non-member, and change nothing`, () => {
      const state = chainState(i, 5);
      for (const [msgType, body] of strangerFrames()) {
        const r = step(state, { type: 'message', now: state.now, from: 'r9', msgType, body }, envOf(i));
        expect({ msgType, counters: r.state.counters }).toEqual({ msgType, counters: { 'dropped-non-member': 1 } });
        expect(withoutCounters(r.state)).toEqual(withoutCounters(state));
        // (Every step emits a persist effect, since Ctx copies `requests`, a durable field; the state it carries is unchanged.)
        expect(r.effects.filter((e) => e.kind !== 'persist')).toEqual([]);
      }
    });
  }

  it("drops a stranger's suspicion even when it is signed at the current version (which would open the gate to others)", () => {
    const state = chainState(1, 5);
    const { membership: m } = chain(5);
    const body = { t: 'r0', e: 5, d: m.digest, s: signSuspicion(env9, 'r0', 5, m.digest, 'r0', 'r9') };
    const r = step(state, { type: 'message', now: state.now, from: 'r9', msgType: MSG.suspect, body }, envOf(1));
    expect(r.state.counters).toEqual({ 'dropped-non-member': 1 });
    expect(r.state.evidence).toEqual({});
  });

  it('hears a peer that quotes a version from its log, and sends it the records after that version', () => {
    const { log } = chain(5);
    const h3 = recordHash(envOf(0), log[2]!);
    const r = step(
      chainState(0, 5),
      { type: 'message', now: 1_000, from: 'r9', msgType: MSG.heartbeat, body: { t: 'r0', e: 3, d: h3, from: ref(9) } },
      envOf(0),
    );
    expect(r.state.counters['dropped-non-member']).toBeUndefined();
    expect(sends(r.effects, MSG.sync)).toEqual([
      { to: 'r9', msgType: MSG.sync, body: { t: 'r0', recs: log.slice(3), m: null, from: ref(0) } },
    ]);
  });

  it('hears records that chain onto its log from a stranger, and still checks them (a non-member signer is refused)', () => {
    const { membership: m } = chain(5);
    const rec = signRecord(env9, {
      t: 'r0',
      e: 6,
      p: m.digest,
      ops: [{ op: 'add', ref: ref(9), adm: '' }],
      by: 'r9',
      ev: [],
    });
    const r = step(
      chainState(1, 5),
      {
        type: 'message',
        now: 1_000,
        from: 'r9',
        msgType: MSG.sync,
        body: { t: 'r0', recs: [rec], m: null, from: ref(9) },
      },
      envOf(1),
    );
    expect(r.state.counters).toEqual({ 'bad-record:signer-not-member': 1 });
    expect(r.state.membership).toEqual(m);
  });

  it('hears the heartbeat of a relay it removed lately, even on a version it does not know, and sends it a checkpoint', () => {
    const remove = signedUpdate(chain(6).membership, [{ op: 'remove', ref: ref(5), at: 5, reason: 'dead' }]);
    const removed = step(
      chainState(1, 6),
      { type: 'message', now: 1_000, from: 'r0', msgType: MSG.update, body: remove },
      envOf(1),
    ).state;
    expect(removed.departed.map((d) => d.ref.id)).toEqual(['r5']);
    const body = (i: number) => ({ t: 'r0', e: 6, d: OTHER, from: ref(i) });
    const heard = step(
      removed,
      { type: 'message', now: 1_100, from: 'r5', msgType: MSG.heartbeat, body: body(5) },
      envOf(1),
    );
    expect(heard.state.counters['dropped-non-member']).toBeUndefined();
    expect(sends(heard.effects, MSG.sync)).toEqual([
      { to: 'r5', msgType: MSG.sync, body: { t: 'r0', recs: removed.log, m: removed.membership, from: ref(1) } },
    ]);
    const stranger = step(
      removed,
      { type: 'message', now: 1_100, from: 'r9', msgType: MSG.heartbeat, body: body(9) },
      envOf(1),
    );
    expect(stranger.state.counters['dropped-non-member']).toBe(1);
  });
});

describe("a joiner's first view", () => {
  const { membership, log } = chain(4);
  const joining = (): TreeState =>
    step(initialState(ref(3), 2), { type: 'join', now: 0, contact: ref(1) }, envOf(3)).state;
  const sync = (s: TreeState, from: number, body: object) =>
    step(
      s,
      {
        type: 'message',
        now: 5,
        from: `r${from}`,
        msgType: MSG.sync,
        body: { t: 'r0', recs: log, m: membership, from: ref(from), ...body },
      },
      envOf(3),
    );

  it('is taken from its contact', () => {
    const r = sync(joining(), 1, {});
    expect(r.state.phase).toBe('member');
    expect(r.state.membership).toEqual(membership);
  });

  it('is never taken from a relay that is not its contact', () => {
    const stranger = sync(joining(), 0, {});
    expect(stranger.state.counters['dropped-non-member']).toBe(1);
    expect(stranger.state.phase).toBe('joining');
    // A relay the joiner still remembers as departed gets past the gate, but its checkpoint is not trusted.
    const remembered = { ...joining(), departed: [{ ref: ref(2), until: 1e12 }] };
    const r = sync(remembered, 2, {});
    expect(r.state.counters['sync-untrusted']).toBe(1);
    expect(r.state.phase).toBe('joining');
    expect(r.state.membership.members).toEqual([]);
  });

  it('is not taken from its contact without a checkpoint, or when the records do not end in it', () => {
    const bare = sync(joining(), 1, { m: null });
    expect(bare.state.counters['sync-untrusted']).toBe(1);
    expect(bare.state.phase).toBe('joining');
    const forged = sync(joining(), 1, {
      m: { ...membership, members: [ref(0), ref(9), ref(2), ref(3)] },
      recs: log.slice(0, 3),
    });
    expect(forged.state.counters['bad-checkpoint']).toBe(1);
    expect(forged.state.phase).toBe('joining');
  });
});

describe('reports of a relay the sequencer does not watch', () => {
  const report = (s: TreeState, now: number) =>
    step(s, { type: 'message', now, from: 'r3', msgType: MSG.report, body: { t: 'r0', e: 8, dead: 'r7' } }, envOf(0));
  const tick = (s: TreeState, now: number) => step(s, { type: 'tick', now }, envOf(0));

  it('lead to a probe, and to a removal only once CONFIRM_MS pass without an answer', () => {
    const reported = report(chainState(0, 8), 1_000);
    expect(reported.state.membership.epoch).toBe(8);
    expect(reported.state.checks).toEqual({ r7: 1_000 + CONFIRM_MS });
    expect(reported.effects.filter((e) => e.kind === 'connect').map((e) => e.kind === 'connect' && e.peer.id)).toEqual([
      'r7',
    ]);
    expect(sends(reported.effects, MSG.probe).map((x) => x.to)).toEqual(['r7']);
    let s = reported.state;
    for (let t = 1_000 + TICK_MS; t < 1_000 + CONFIRM_MS; t += TICK_MS) {
      s = tick(s, t).state;
      expect(s.membership.epoch).toBe(8);
    }
    s = tick(s, 1_000 + CONFIRM_MS).state;
    expect(s.membership.epoch).toBe(9);
    expect(s.log.at(-1)).toMatchObject({
      by: 'r0',
      ev: [],
      ops: [{ op: 'remove', ref: ref(7), at: 7, reason: 'dead' }],
    });
  });

  it('remove nothing when the relay answers the probe', () => {
    const reported = report(chainState(0, 8), 1_000).state;
    const d = chain(8).membership.digest;
    const answered = step(
      reported,
      { type: 'message', now: 1_500, from: 'r7', msgType: MSG.heartbeat, body: { t: 'r0', e: 8, d, from: ref(7) } },
      envOf(0),
    ).state;
    expect(answered.checks).toEqual({});
    expect(answered.counters['report-overruled']).toBe(1);
    let s = answered;
    for (let t = 2_000; t <= 1_000 + 3 * CONFIRM_MS; t += TICK_MS) s = tick(s, t).state;
    expect(s.membership.epoch).toBe(8);
    expect(s.membership.members.map((m) => m.id)).toContain('r7');
  });

  it('is overruled at once when the sequencer watches the relay and heard it lately', () => {
    const s = tick(chainState(0, 8), 1_000).state; // starts the silence clocks of r1 and r2
    const r = step(
      s,
      { type: 'message', now: 2_000, from: 'r3', msgType: MSG.report, body: { t: 'r0', e: 8, dead: 'r1' } },
      envOf(0),
    );
    expect(r.state.counters['report-overruled']).toBe(1);
    expect(r.state.membership.epoch).toBe(8);
    expect(sends(r.effects, MSG.probe)).toEqual([]);
  });
});
