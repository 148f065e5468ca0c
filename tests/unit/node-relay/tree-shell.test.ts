// The relay's tree shell without sockets: the SQLite tree store (parts, round trip, outbox survives a
// reopen), the runner's effect order (persist before any send) and serialization, and join tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/bytes.ts';
import { generateIdentity, nodeIdOf } from '../../../core/identity/index.ts';
import { initialState, step, type NodeRef, type TreeState } from '../../../core/tree/index.ts';
import { type Timers } from '../../../node-relay/components.ts';
import { defaultComponents } from '../../../node-relay/default-components.ts';
import { openRelayDb } from '../../../node-relay/data/relay-db.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { admissionProblem, makeJoinToken, OPEN_POLICY, parseJoinToken } from '../../../node-relay/tree/join-control.ts';
import type { PeerLinks } from '../../../node-relay/tree/peer-links.ts';
import { TreeRunner } from '../../../node-relay/tree/tree-runner.ts';
import { TreeStore } from '../../../node-relay/tree/tree-store.ts';
import { envOf, ref } from '../tree/fixtures.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'peertree-tree-shell-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const A: NodeRef = ref(0);
const B: NodeRef = ref(1);
const envA = envOf(0);

/** A two-relay tree seen from A (the root), built with the pure state machine. */
function twoRelayRoot(): TreeState {
  let s = step(initialState(A, 2), { type: 'create', now: 1_000 }, envA).state;
  s = step(
    s,
    {
      type: 'message',
      now: 1_100,
      from: B.id,
      msgType: 'tree.join',
      body: { t: '', ref: B, hops: 0, e: 0, d: '', adm: '' },
    },
    envA,
  ).state;
  return s;
}

describe('TreeStore', () => {
  it('round-trips the state, writes only changed parts, and keeps the outbox across a reopen', () => {
    const path = join(tmp(), 'relay.db');
    const db = openRelayDb(path);
    const store = new TreeStore(db);
    expect(store.load()).toBeNull();
    let s = twoRelayRoot();
    expect(store.persist(s, 1)).toBe(6);
    // Queue a message for B while B is not connected: it stays in the outbox.
    const r = step(s, { type: 'send', now: 1_200, to: { id: B.id }, msgType: 'app.x', body: { n: 1 } });
    s = r.state;
    expect(s.outbox).toHaveLength(1);
    expect(store.persist(s, 2)).toBeLessThan(6); // membership and recent broadcasts unchanged: not rewritten
    // A step that touches only volatile fields (a heartbeat) writes nothing.
    const hb = step(s, {
      type: 'message',
      now: 1_300,
      from: B.id,
      msgType: 'tree.hb',
      body: { t: s.treeId, e: s.membership.epoch, d: s.membership.digest, from: B },
    });
    expect(store.persist(hb.state, 3)).toBe(0);
    db.close();

    const again = new TreeStore(openRelayDb(path));
    const loaded = again.load()!;
    expect(loaded.membership).toEqual(s.membership);
    expect(loaded.outbox).toEqual(s.outbox);
    expect(loaded).toMatchObject({
      self: A,
      k: 2,
      treeId: s.treeId,
      phase: 'member',
      seq: s.seq,
      requests: s.requests,
    });
    expect(loaded.outbox[0]).toMatchObject({ mid: r.mid, dst: B.id, msgType: 'app.x', body: { n: 1 } });
  });
});

describe('TreeRunner', () => {
  it('persists before it connects or sends, runs reentrant inputs after the current step, and ticks on its timer', () => {
    const log: string[] = [];
    const db = openRelayDb(join(tmp(), 'relay.db'));
    const store = new TreeStore(db);
    const persist = store.persist.bind(store);
    store.persist = (state, now) => {
      log.push('persist');
      return persist(state, now);
    };
    const peers = {
      ensure: (ref: NodeRef) => log.push(`connect ${ref.id}`),
      send: (ref: NodeRef, type: string) => log.push(`send ${type} ${ref.id}`),
      release: (ref: NodeRef) => log.push(`disconnect ${ref.id}`),
    } as unknown as PeerLinks;
    const timers: { fn: () => void; ms: number }[] = [];
    const fakeTimers: Timers = { setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => {} };
    let now = 5_000;
    const components = defaultComponents({
      logger: silentLogger,
      timers: fakeTimers,
      clock: { now: () => now, monotonic: () => now },
    });
    const events: string[] = [];
    const runner: TreeRunner = new TreeRunner({
      state: twoRelayRoot(),
      env: envA,
      store,
      peers,
      components,
      keepLink: () => false,
      onEvent: (e) => {
        events.push(e.type);
        // A listener feeding an input: it runs after this step, never inside it.
        if (e.type === 'message')
          expect(runner.apply({ type: 'send', to: { id: B.id }, msgType: 'app.echo', body: {} })).not.toBeNull();
      },
    });
    runner.apply({ type: 'connection', peer: B.id, up: true });
    log.length = 0;
    runner.apply({
      type: 'message',
      from: B.id,
      msgType: 'tree.app',
      body: {
        mid: `${B.id}.0`,
        src: B.id,
        dst: A.id,
        dpos: null,
        hops: 0,
        type: 'app.hi',
        body: {},
        rq: false,
        re: null,
      },
    });
    expect(events).toContain('message');
    const firstSend = log.findIndex((l) => l.startsWith('send'));
    expect(log.indexOf('persist')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('persist')).toBeLessThan(firstSend);
    expect(log).toContain(`send tree.ack ${B.id}`);
    expect(log.filter((l) => l === `send tree.app ${B.id}`)).toHaveLength(1); // the echo, sent after the ack
    expect(log.indexOf(`send tree.ack ${B.id}`)).toBeLessThan(log.indexOf(`send tree.app ${B.id}`));

    runner.apply({ type: 'tick' }); // every tick sets the next one
    expect(timers.at(-1)!.ms).toBe(1_000);
    const before = runner.counters.steps!;
    now += 1_000;
    timers.at(-1)!.fn();
    expect(runner.counters.steps).toBe(before + 1);
    runner.stop();
    expect(runner.apply({ type: 'tick' })).toBeNull();
    db.close();
  });
});

describe('join tokens', () => {
  it('admit exactly the relay and tree they name, until they expire, when signed by the operator', async () => {
    const { identity: operator } = await generateIdentity();
    const { identity: other } = await generateIdentity();
    const policy = { allow: new Set(['cccccccccccccccc']), operatorKey: operator.publicKey };
    // Tokens name real node ids: those of the fixture keys of A and B.
    const a = nodeIdOf(fromHex(A.key));
    const b = nodeIdOf(fromHex(B.key));
    const tree = 'ab'.repeat(16);
    const token = await makeJoinToken(operator, a, { tree, exp: 10_000 });
    expect(parseJoinToken(JSON.stringify(token))).toEqual(token);
    expect(await admissionProblem(policy, a, token, tree, 5_000)).toBeNull();
    expect(await admissionProblem(policy, 'cccccccccccccccc', null, tree, 5_000)).toBeNull();
    expect(await admissionProblem(OPEN_POLICY, b, null, tree, 5_000)).toBeNull();
    expect(await admissionProblem(policy, b, token, tree, 5_000)).toMatch(/is for relay/);
    expect(await admissionProblem(policy, a, token, 'cd'.repeat(16), 5_000)).toMatch(/another tree/);
    expect(await admissionProblem(policy, a, token, tree, 20_000)).toMatch(/expired/);
    expect(await admissionProblem(policy, a, null, tree, 5_000)).toMatch(/no join token/);
    const forged = await makeJoinToken(other, a, { tree, exp: 10_000 });
    expect(await admissionProblem(policy, a, forged, tree, 5_000)).toMatch(/not signed by this tree operator/);
    const tampered = { ...token, exp: 0 };
    expect(await admissionProblem(policy, a, tampered, tree, 5_000)).toMatch(/not signed/);
    expect(await admissionProblem({ allow: new Set([b]), operatorKey: null }, a, token, tree, 5_000)).toMatch(
      /allowlist/,
    );
    expect(() => parseJoinToken('{"v":2}')).toThrow(/join token/);
    expect(toHex(fromHex(token.sig))).toBe(token.sig);
  });
});
