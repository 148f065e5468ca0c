// Signed suspicions and takeovers as relays run them (takeover.ts through step).
import { describe, expect, it } from 'vitest';
import { PEER_TIMEOUT_MS } from '../../../core/limits.ts';
import {
  recordHash,
  signRecord,
  signSuspicion,
  suspicionSignedBy,
  type EpochRecord,
} from '../../../core/tree/epoch-record.ts';
import { step } from '../../../core/tree/machine.ts';
import { MSG } from '../../../core/tree/messages.ts';
import type { Membership, TreeState } from '../../../core/tree/types.ts';
import { chain, chainState, envOf, ref, sends, signedUpdate } from './fixtures.ts';
import { TICK_MS } from '../../../core/limits.ts';

const ids = (s: TreeState) => s.membership.members.map((m) => m.id);
const suspectBody = (m: Membership, of: string, by: number, at: Membership = m) => ({
  t: 'r0',
  e: at.epoch,
  d: at.digest,
  s: signSuspicion(envOf(by), 'r0', at.epoch, at.digest, of, `r${by}`),
});
const suspectMsg = (s: TreeState, from: number, body: object) => ({
  type: 'message' as const,
  now: s.now,
  from: `r${from}`,
  msgType: MSG.suspect,
  body,
});
const update = (from: number, r: EpochRecord, now = 2_000) => ({
  type: 'message' as const,
  now,
  from: `r${from}`,
  msgType: MSG.update,
  body: { t: 'r0', r },
});
const rootTakeover = (m: Membership, signer: number, by: readonly number[]): EpochRecord =>
  signRecord(envOf(signer), {
    t: 'r0',
    e: m.epoch + 1,
    p: m.digest,
    ops: [{ op: 'remove', ref: ref(0), at: 0, reason: 'dead' }],
    by: `r${signer}`,
    ev: by.map((i) => signSuspicion(envOf(i), 'r0', m.epoch, m.digest, 'r0', `r${i}`)),
  });

/** r<i> of chain(n) ticking from its state's clock for `ms`, while `alive` heartbeat and `each` runs after every tick. */
function run(
  i: number,
  n: number,
  k: number,
  alive: readonly number[],
  ms: number,
  each: (s: TreeState) => TreeState = (s) => s,
): { state: TreeState; effects: any[] } {
  let s = chainState(i, n, k);
  const effects: any[] = [];
  for (let t = s.now + TICK_MS; t <= 1_000 + ms; t += TICK_MS) {
    const r = step(s, { type: 'tick', now: t }, envOf(i));
    s = r.state;
    effects.push(...r.effects);
    for (const j of alive)
      s = step(
        s,
        {
          type: 'message',
          now: t,
          from: `r${j}`,
          msgType: MSG.heartbeat,
          body: { t: 'r0', e: s.membership.epoch, d: s.membership.digest, from: ref(j) },
        },
        envOf(i),
      ).state;
    s = each(s);
  }
  return { state: s, effects };
}

describe('signing suspicions', () => {
  it('has a watcher of a silent root-group member sign a suspicion at the current version and send it to the rest of the root group', () => {
    const { effects } = run(3, 8, 2, [0, 7], PEER_TIMEOUT_MS + 2 * TICK_MS);
    const m = chain(8).membership;
    const out = sends(effects, MSG.suspect);
    expect(out.map((x) => x.to).sort()).toEqual(['r0', 'r2']);
    const { s } = out[0]!.body;
    expect(s).toMatchObject({ of: 'r1', by: 'r3' });
    expect(suspicionSignedBy(envOf(0), s, 'r0', m.epoch, m.digest, ref(3).key)).toBe(true);
  });

  it('has no watcher sign a suspicion of a silent relay outside the root group (it reports it instead)', () => {
    const { effects } = run(1, 8, 2, [0, 2, 4], PEER_TIMEOUT_MS + 2 * TICK_MS);
    expect(sends(effects, MSG.suspect)).toEqual([]);
    expect(sends(effects, MSG.report).map((x) => x.body.dead)).toContain('r3');
  });
});

describe('receiving suspicions', () => {
  const m6 = chain(6).membership;

  it('keeps a valid suspicion from a watcher of a root-group member', () => {
    const s = chainState(1, 6);
    const r = step(s, suspectMsg(s, 2, suspectBody(m6, 'r0', 2)), envOf(1));
    expect(r.state.evidence.r0!.map((x) => x.by)).toEqual(['r2']);
    expect(r.state.membership.epoch).toBe(6);
  });

  it('drops a suspicion sent by another relay than the one it names as its author', () => {
    const s = chainState(1, 6);
    const r = step(s, suspectMsg(s, 3, suspectBody(m6, 'r0', 2)), envOf(1));
    expect(r.state.counters['dropped-spoofed']).toBe(1);
    expect(r.state.evidence).toEqual({});
  });

  it('refuses a stale suspicion, made at an earlier version', () => {
    const { log } = chain(6);
    const m5 = { epoch: 5, digest: recordHash(envOf(0), log[4]!), members: m6.members };
    const s = chainState(1, 6);
    const r = step(s, suspectMsg(s, 2, suspectBody(m6, 'r0', 2, m5)), envOf(1));
    expect(r.state.counters['suspicion-stale']).toBe(1);
    expect(r.state.evidence).toEqual({});
  });

  it('refuses a suspicion from a member that does not watch the suspect, or of a relay outside the root group', () => {
    const s = chainState(1, 6);
    const notWatcher = step(s, suspectMsg(s, 3, suspectBody(m6, 'r0', 3)), envOf(1));
    expect(notWatcher.state.counters['suspicion-refused']).toBe(1);
    expect(notWatcher.state.evidence).toEqual({});
    const outside = step(chainState(2, 6), suspectMsg(s, 1, suspectBody(m6, 'r3', 1)), envOf(2));
    expect(outside.state.counters['suspicion-refused']).toBe(1);
    expect(outside.state.evidence).toEqual({});
  });

  it("refuses a suspicion whose signature is not its author's", () => {
    const s = chainState(1, 6);
    const forged = { t: 'r0', e: 6, d: m6.digest, s: { ...signSuspicion(envOf(3), 'r0', 6, m6.digest, 'r0', 'r2') } };
    const r = step(s, suspectMsg(s, 2, forged), envOf(1));
    expect(r.state.counters['suspicion-bad-signature']).toBe(1);
    expect(r.state.evidence).toEqual({});
  });

  it('forgets the evidence it held when a new epoch is installed', () => {
    let s = chainState(1, 6);
    s = step(s, suspectMsg(s, 2, suspectBody(m6, 'r0', 2)), envOf(1)).state;
    s = step(s, update(0, signedUpdate(m6, [{ op: 'add', ref: ref(6), adm: '' }]).r), envOf(1)).state;
    expect(s.membership.epoch).toBe(7);
    expect(s.evidence).toEqual({});
    const replay = step(s, suspectMsg(s, 2, suspectBody(m6, 'r0', 2)), envOf(1));
    expect(replay.state.counters['suspicion-stale']).toBe(1);
  });
});

describe('a takeover of the root', () => {
  for (const [k, n] of [
    [2, 6],
    [3, 10],
  ] as const) {
    it(`is refused when one malicious root child signs it on its own word (k = ${k})`, () => {
      const m = chain(n).membership;
      const alone = rootTakeover(m, 1, [1]);
      for (const at of [2, k + 1]) {
        const r = step(chainState(at, n, k), update(1, alone), envOf(at));
        expect(r.state.counters['bad-record:takeover-without-quorum']).toBe(1);
        expect(r.state.membership).toEqual(m);
      }
    });
  }

  it('is installed by every relay when it carries a quorum (k = 3: two of the three root watchers)', () => {
    const m = chain(10).membership;
    const record = rootTakeover(m, 1, [1, 3]);
    for (const at of [2, 3, 4, 9]) {
      const r = step(chainState(at, 10, 3), update(1, record), envOf(at));
      expect(ids(r.state)).toEqual(['r9', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    }
  });

  it('is refused when its evidence is stale, even from a quorum of watchers', () => {
    const { log } = chain(6);
    const m5 = { epoch: 5, digest: recordHash(envOf(0), log[4]!), members: chain(6).membership.members };
    const stale = signRecord(envOf(1), {
      t: 'r0',
      e: 7,
      p: chain(6).membership.digest,
      ops: [{ op: 'remove', ref: ref(0), at: 0, reason: 'dead' }],
      by: 'r1',
      ev: [1, 2].map((i) => signSuspicion(envOf(i), 'r0', m5.epoch, m5.digest, 'r0', `r${i}`)),
    });
    const r = step(chainState(2, 6), update(1, stale), envOf(2));
    expect(r.state.counters['bad-record:takeover-without-quorum']).toBe(1);
  });

  it("is not signed by a root child that holds only its own suspicion and a non-watcher's", () => {
    const { state } = run(
      1,
      6,
      2,
      [2, 3, 4],
      PEER_TIMEOUT_MS + 5 * TICK_MS,
      (s) => step(s, suspectMsg(s, 3, suspectBody(chain(6).membership, 'r0', 3)), envOf(1)).state,
    );
    expect(state.membership.epoch).toBe(6);
    expect(state.counters['takeovers']).toBeUndefined();
  });

  it("replaces both the root and child 1 when both fall silent (k = 2), on the suspicions of child 1's children", () => {
    const m7 = chain(7).membership;
    const feed = (s: TreeState) => {
      if (s.membership.epoch !== 7) return s;
      for (const c of [3, 4]) s = step(s, suspectMsg(s, c, suspectBody(m7, 'r1', c)), envOf(2)).state;
      return s;
    };
    const { state, effects } = run(2, 7, 2, [5, 6], PEER_TIMEOUT_MS + 3 * TICK_MS, feed);
    expect(ids(state)).toEqual(['r5', 'r6', 'r2', 'r3', 'r4']);
    const record = state.log.at(-1)!;
    expect(record.by).toBe('r2');
    expect(record.ops.map((op) => op.ref.id)).toEqual(['r1', 'r0']);
    expect(state.counters['takeovers']).toBe(1);
    // Child 1's children check the record and install it.
    const u = sends(effects, MSG.update).find((x) => x.body.r === record)!;
    expect(u).toBeDefined();
    for (const at of [3, 4])
      expect(ids(step(chainState(at, 7), update(2, record), envOf(at)).state)).toEqual(['r5', 'r6', 'r2', 'r3', 'r4']);
  });
});
