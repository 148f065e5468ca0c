// Attacks on the tree, and restarts it must heal from, with real `peertree relay` processes on loopback
// (issue #13). Each test builds its own small tree; the tests run concurrently to keep the file short.
// - A stranger (a fresh key that never joined) claiming role `relay` sends forged tree.sync (today's shape and
//   signed-looking ones), tree.update, tree.report, tree.leave, tree.hb and tree.probe to an open tree, and to a
//   closed one (--allow) after its honest join was refused with 4403: nothing changes, and the drops are counted
//   under a `non-member` reason.
// - A member's own key, used from a second connection, forges a sync (itself at position 0), an update and
//   reports: nothing changes on the other relays.
// - The root stopped with SIGTERM and started again (after the others noticed, and at once); every relay killed
//   with -9 and started again in reverse join order; a relay frozen (SIGSTOP) past the time-out and then thawed:
//   each ends as one tree of all relays.
// Every wait is bounded; convergence times are printed, never asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { toHex } from '../../core/bytes.ts';
import { generateIdentity } from '../../core/identity/index.ts';
import {
  freePort,
  getStatus,
  killAll,
  rawRequest,
  rawSession,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from './relay-harness.ts';
import { currentNextDigest, Stranger, type Ref, type Version } from './stranger.ts';

const K = 2;
const FLAGS = ['--max-peers', String(K), '--log-level', 'warn'];
/** core/limits.ts: heartbeats every 2 s, a silent peer suspected after 10 s. */
const HEARTBEAT_MS = 2_000;
const PEER_TIMEOUT_MS = 10_000;
/** How long the forged frames get to do harm (several heartbeats, so anti-entropy would have spread them). */
const HARM_WAIT_MS = 8_000;
const CONVERGE_MS = 60_000;
const POLL_MS = 250;

interface Status {
  id: string;
  treeId: string;
  position: number;
  epoch: number;
  size: number;
  phase: string;
  members: { position: number; id: string; url: string }[];
  [key: string]: unknown;
}

const dirs: { remove(): void }[] = [];

afterAll(() => {
  killAll();
  for (const d of dirs) d.remove();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One relay of a test tree: its command (data folder, port, arguments) stays the same across restarts. */
class Node {
  proc: RelayProcess | null = null;
  constructor(
    readonly name: string,
    readonly data: string,
    readonly port: number,
    readonly args: readonly string[],
    readonly id: string,
  ) {}

  get url(): string {
    return this.proc!.ready.url;
  }

  get ws(): string {
    return this.proc!.ready.ws;
  }

  async start(): Promise<void> {
    this.proc = await startRelayProcess(this.data, [...this.args], 30_000, this.port);
    if (this.id !== '' && this.proc.ready.id !== this.id)
      throw new Error(`${this.name} started as ${this.proc.ready.id}, not ${this.id}`);
  }

  signal(sig: NodeJS.Signals): void {
    this.proc!.proc.kill(sig);
  }

  async status(): Promise<Status | null> {
    try {
      const s = (await getStatus(`https://127.0.0.1:${this.port}`)) as unknown as Status;
      return { ...s, members: Array.isArray(s.members) ? s.members : [] };
    } catch {
      return null;
    }
  }
}

/** A small tree of relays: the first is the root, the others join it (all at once). */
class Cluster {
  readonly nodes: Node[] = [];
  private constructor(readonly name: string) {}

  /**
   * `closed`: every relay's key is made beforehand and all run with `--allow` of all of them (a closed tree).
   */
  static async start(name: string, n: number, options: { closed?: boolean } = {}): Promise<Cluster> {
    const dir = tmpDir(`peertree-attack-${name}-`);
    dirs.push(dir);
    const c = new Cluster(name);
    const ports: number[] = [];
    for (let i = 0; i < n; i++) ports.push(await freePort());
    const ids: string[] = [];
    if (options.closed) {
      for (let i = 0; i < n; i++) {
        // The seed file the relay would make itself (node-relay/data/identity-store.ts), made first to know its id.
        const data = join(dir.path, `r${i}`);
        mkdirSync(data, { recursive: true, mode: 0o700 });
        const { identity, seed } = await generateIdentity();
        writeFileSync(join(data, 'identity.seed'), toHex(seed) + '\n', { mode: 0o600 });
        ids.push(identity.id);
      }
    }
    const allow = options.closed ? ['--allow', ids.join(',')] : [];
    const rootUrl = `https://127.0.0.1:${ports[0]}`;
    for (let i = 0; i < n; i++) {
      const args = [...FLAGS, ...allow, ...(i === 0 ? [] : ['--join', rootUrl])];
      c.nodes.push(new Node(`${name}/r${i}`, join(dir.path, `r${i}`), ports[i]!, args, ids[i] ?? ''));
    }
    await c.nodes[0]!.start();
    await Promise.all(c.nodes.slice(1).map((x) => x.start()));
    return c;
  }

  byId(id: string): Node {
    return this.nodes.find((x) => x.proc?.ready.id === id || x.id === id)!;
  }

  async statuses(nodes: readonly Node[] = this.nodes): Promise<(Status | null)[]> {
    return Promise.all(nodes.map((x) => x.status()));
  }
}

function summary(nodes: readonly Node[], statuses: readonly (Status | null)[]): string {
  return nodes
    .map((x, i) => {
      const s = statuses[i];
      if (!s) return `${x.name}: no status`;
      return `${x.name}: ${s.phase} pos ${s.position} epoch ${s.epoch} size ${s.size} tree ${s.treeId.slice(0, 8)} root ${s.members[0]?.id ?? '-'}`;
    })
    .join('; ');
}

/**
 * The one-tree check: every relay answers, all report the same tree id and epoch, phase `member`, size N and
 * the same member list, which holds exactly these N relays at positions 0…N−1 (each position once, so one
 * root), and each relay sits where the list says. Returns the statuses, or the reason it is not one tree.
 */
function oneTree(
  nodes: readonly Node[],
  statuses: readonly (Status | null)[],
  treeId?: string,
): { ok: true; statuses: Status[] } | { ok: false; why: string } {
  const n = nodes.length;
  if (statuses.some((s) => s === null)) return { ok: false, why: 'a relay did not answer' };
  const all = statuses as Status[];
  const first = all[0]!;
  const order = first.members.map((m) => m.id).join();
  for (const s of all) {
    if (s.phase !== 'member') return { ok: false, why: `${s.id} is ${s.phase}` };
    if (s.treeId !== first.treeId) return { ok: false, why: 'tree ids differ' };
    if (treeId !== undefined && s.treeId !== treeId)
      return { ok: false, why: `tree id ${s.treeId} is not the tree's ${treeId}` };
    if (s.epoch !== first.epoch) return { ok: false, why: 'epochs differ' };
    if (s.size !== n) return { ok: false, why: `${s.id} has size ${s.size}, not ${n}` };
    if (s.members.map((m) => m.id).join() !== order) return { ok: false, why: 'member lists differ' };
    if (s.members[s.position]?.id !== s.id) return { ok: false, why: `${s.id} is not at its position ${s.position}` };
  }
  const positions = all.map((s) => s.position).sort((a, b) => a - b);
  if (positions.join() !== Array.from({ length: n }, (_, i) => i).join())
    return { ok: false, why: `positions ${positions.join()}` };
  if (first.members.map((m) => m.position).join() !== positions.join())
    return { ok: false, why: 'member positions are not 0…N−1' };
  const ids = new Set(all.map((s) => s.id));
  if (ids.size !== n || !first.members.every((m) => ids.has(m.id)))
    return { ok: false, why: 'members are not exactly these relays' };
  return { ok: true, statuses: all };
}

/** Waits (bounded) for one tree of exactly `nodes`; logs how long it took; fails with the last picture seen. */
async function waitOneTree(
  what: string,
  nodes: readonly Node[],
  treeId?: string,
  timeoutMs = CONVERGE_MS,
): Promise<Status[]> {
  const started = Date.now();
  let last = '';
  for (let i = 0; i <= Math.ceil(timeoutMs / POLL_MS) && Date.now() - started <= timeoutMs; i++) {
    const statuses = await Promise.all(nodes.map((x) => x.status()));
    const r = oneTree(nodes, statuses, treeId);
    if (r.ok) {
      console.log(`${what}: one tree of ${nodes.length} after ${Date.now() - started} ms`);
      return r.statuses;
    }
    last = `${r.why} — ${summary(nodes, statuses)}`;
    await sleep(POLL_MS);
  }
  throw new Error(`${what}: no single tree of ${nodes.length} within ${timeoutMs} ms: ${last}`);
}

function byPosition(c: Cluster, statuses: readonly Status[]): Node[] {
  const out: Node[] = [];
  for (const s of statuses) out[s.position] = c.byId(s.id);
  return out;
}

/**
 * After an attack: every relay in `nodes` keeps the tree id, root, size and member list it had in `before`, is a
 * member, and lists none of `intruders`. Soft (the test goes on), one assertion per call listing every change.
 */
async function expectUnchanged(
  expect: ExpectStatic,
  when: string,
  nodes: readonly Node[],
  before: readonly Status[],
  intruders: readonly string[],
): Promise<void> {
  const after = await Promise.all(nodes.map((x) => x.status()));
  const ref = before[0]!;
  const root = ref.members[0]!.id;
  const members = ref.members.map((m) => m.id).join();
  const changes: string[] = [];
  nodes.forEach((x, i) => {
    const s = after[i];
    if (s === null || s === undefined) return changes.push(`${x.name}: no status`);
    const got: string[] = [];
    if (s.treeId !== ref.treeId) got.push(`tree id ${s.treeId}`);
    if (s.phase !== 'member') got.push(`phase ${s.phase}`);
    if (s.members[0]?.id !== root) got.push(`root ${s.members[0]?.id ?? 'none'} (was ${root})`);
    if (s.size !== ref.size) got.push(`size ${s.size} (was ${ref.size})`);
    if (s.members.map((m) => m.id).join() !== members)
      got.push(`members [${s.members.map((m) => m.id).join()}] (were [${members}])`);
    for (const id of intruders) if (s.members.some((m) => m.id === id)) got.push(`lists the intruder ${id}`);
    if (got.length > 0) changes.push(`${x.name}: ${got.join(', ')}`);
  });
  expect.soft(changes, `${when}, the tree changed`).toEqual([]);
}

/** The non-zero counters of a status document (`drops`, `tree`, and any other section of numbers), for the log. */
function nonZero(status: Status | null): string {
  if (status === null) return 'no status';
  const out: string[] = [];
  for (const [section, value] of Object.entries(status)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const counts = Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'number' && v !== 0);
    if (counts.length > 0) out.push(`${section} {${counts.map(([k, v]) => `${k}: ${String(v)}`).join(', ')}}`);
  }
  return out.join('; ');
}

/** Sum of every counter whose name contains `word`, in /api/status (any section) and /metrics. */
async function countersNamed(node: Node, word: string): Promise<{ total: number; where: string[] }> {
  const where: string[] = [];
  let total = 0;
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'number' && k.includes(word)) {
        total += v;
        where.push(`status ${path}${k}=${v}`);
      } else walk(v, `${path}${k}.`);
    }
  };
  walk(await node.status(), '');
  const res = await rawRequest(`https://127.0.0.1:${node.port}`, '/metrics').catch(() => null);
  if (res?.status === 200) {
    for (const line of res.body.toString('utf8').split('\n')) {
      if (line.startsWith('#') || !line.includes(word)) continue;
      const v = Number(line.trim().split(/\s+/).at(-1));
      if (Number.isFinite(v) && v > 0) where.push(`metrics ${line.trim()}`);
    }
  }
  if (total === 0 && where.some((w) => w.startsWith('metrics'))) total = 1;
  return { total, where };
}

/**
 * A non-member's (or an impersonated member's) forged frames at every relay of the tree, in three rounds, each
 * followed by a wait and a check that nothing changed: (1) report (the root dead), spoofed leave, heartbeat and
 * probe with a huge epoch; (2) an update that adds the attacker and removes the root, on top of the version the
 * relay told it (or its status epoch); (3) syncs in every shape that put the attacker at position 0 with a
 * higher epoch. `check` are the relays whose state must not change; `intruders` the ids none may list.
 */
async function attack(
  expect: ExpectStatic,
  attacker: Stranger,
  c: Cluster,
  before: Status[],
  check: readonly Node[],
  intruders: readonly string[],
): Promise<void> {
  const ordered = byPosition(c, before);
  // Bodies carry the tree id `t`: today the founder's node id (core/tree/machine.ts `create`), which is the root
  // here; the wire tree id is the other plausible value. Every frame goes with both.
  const tids = [...new Set([before[0]!.members[0]!.id, before[0]!.treeId])];
  const epoch = before[0]!.epoch;
  const root = before[0]!.members[0]!;
  const real = before[0]!.members.map((m) => ({ id: m.id, url: m.url }));
  const others = real.filter((m) => m.id !== attacker.id);
  const victims = ordered.filter((x) => x.proc!.ready.id !== attacker.id);
  const leafRef = real.at(-1)!.id === attacker.id ? real[1]! : real.at(-1)!;
  const huge = Number.MAX_SAFE_INTEGER;

  // Round 1: report, spoofed leave, heartbeat and probe.
  for (const v of victims) {
    for (const t of tids) {
      await attacker.send(v.ws, 'tree.report', { t, e: epoch, dead: root.id });
      await attacker.send(v.ws, 'tree.report', {
        t,
        e: huge,
        dead: v === ordered[0] ? ordered[1]!.proc!.ready.id : root.id,
      });
      await attacker.send(v.ws, 'tree.leave', { t, e: epoch, from: leafRef });
      await attacker.send(v.ws, 'tree.leave', { t, e: epoch, from: { id: root.id, url: root.url } });
      await attacker.send(v.ws, 'tree.hb', { t, e: huge, d: '0', from: attacker.ref });
      await attacker.send(v.ws, 'tree.probe', { t, e: huge, d: '0', from: attacker.ref });
    }
  }
  await sleep(HEARTBEAT_MS + 1_000);
  await expectUnchanged(expect, 'after forged report/leave/hb/probe', check, before, intruders);

  // Round 2: an update on top of the real version, adding the attacker and removing the root (so the last
  // member, the attacker, moves to position 0).
  let known: Version | null = null;
  for (const t of tids) known ??= await attacker.askMembership(victims.at(-1)!.ws, t);
  known ??= attacker.persistedMembership();
  console.log(`${c.name}: the attacker ${known ? `knows the version (epoch ${known.epoch})` : 'knows no version'}`);
  const pe = known?.epoch ?? epoch;
  const pd = known?.digest ?? '';
  const ops = [
    ...(real.some((m) => m.id === attacker.id) ? [] : [{ op: 'add', ref: attacker.ref }]),
    { op: 'remove', id: root.id, reason: 'dead' },
  ];
  for (const v of victims) {
    for (const t of tids) {
      const update = { t, pe, pd, e: pe + 1, d: currentNextDigest(pd, pe + 1, ops), ops };
      await attacker.send(v.ws, 'tree.update', update);
      await attacker.send(v.ws, 'tree.update', { ...update, pe: pe + 100, pd: '0', e: pe + 101 });
    }
  }
  await sleep(HEARTBEAT_MS + 1_000);
  await expectUnchanged(expect, 'after a forged update', check, before, intruders);

  // Round 3: syncs, the attacker at position 0 with a higher epoch, in every shape.
  const shapes: string[] = [];
  for (const t of tids) {
    const syncs = await attacker.forgedSyncs(t, pe + 1_000, [attacker.ref, ...others], pd);
    for (const v of victims) for (const s of syncs) await attacker.send(v.ws, 'tree.sync', s.body);
    if (shapes.length === 0) shapes.push(...syncs.map((s) => s.shape));
  }
  await sleep(HARM_WAIT_MS);
  await expectUnchanged(expect, `after forged syncs (${shapes.join(', ')})`, check, before, intruders);

  // Round 4: records in the exact signed layout of today's protocol, signed by the attacker's own key and
  // chained onto the real version: a takeover with only its own suspicion, and an add of itself.
  const head = attacker.persistedMembership() ?? known;
  const rootRef: Ref = head?.members[0] ?? root;
  const rootWithKey = { id: rootRef.id, url: rootRef.url, key: rootRef.key ?? '00'.repeat(32) };
  for (const r of attacker.signedRecords(before[0]!.treeId, head?.epoch ?? epoch, head?.digest ?? '', rootWithKey)) {
    for (const v of victims) {
      await attacker.send(v.ws, 'tree.update', { t: r.t, r });
      await attacker.send(v.ws, 'tree.sync', { t: r.t, recs: [r], m: null, from: attacker.ref });
    }
  }
  await sleep(HEARTBEAT_MS + 1_000);
  await expectUnchanged(expect, 'after records signed by the attacker in the real layout', check, before, intruders);
}

describe.concurrent('attacks on the tree and restarts it heals from (real relays, k = 2)', () => {
  it('a stranger claiming role relay changes nothing in an open tree with forged sync/update/report/leave/hb/probe, and its drops are counted as non-member', async ({
    expect,
  }) => {
    const c = await Cluster.start('open', 3);
    const before = await waitOneTree('open tree', c.nodes);
    const stranger = await Stranger.fresh();
    try {
      await attack(expect, stranger, c, before, c.nodes, [stranger.id]);
      console.log(`stranger on the open tree: ${JSON.stringify(stranger.stats)}`);
      const counted = await Promise.all(c.nodes.map((x) => countersNamed(x, 'non-member')));
      console.log(`non-member counters: ${counted.flatMap((x) => x.where).join(', ') || 'none'}`);
      for (const x of c.nodes) console.log(`${x.name} counters after the attack: ${nonZero(await x.status())}`);
      expect(
        counted.reduce((sum, x) => sum + x.total, 0),
        'drops counted under a name containing non-member',
      ).toBeGreaterThan(0);
    } finally {
      stranger.close();
    }
  }, 90_000);

  it('a stranger is refused joining a closed tree (4403), and its forged frames change nothing', async ({ expect }) => {
    const c = await Cluster.start('closed', 3, { closed: true });
    const before = await waitOneTree('closed tree', c.nodes);
    const { identity } = await generateIdentity();
    const ordered = byPosition(c, before);
    const honest = await rawSession(ordered[1]!.ws, 10_000, 'relay', identity);
    const ref = { id: identity.id, url: 'https://127.0.0.1:9' };
    honest.ws.send(await honest.frame('tree.admit', { token: null }));
    honest.ws.send(await honest.frame('tree.join', { t: '', ref, hops: 0, e: 0, d: '' }));
    const closed = await Promise.race([
      honest.closed,
      sleep(10_000).then(() => ({ code: -1, reason: 'not closed within 10 s' })),
    ]);
    expect(closed.code, closed.reason).toBe(4403);
    const stranger = await Stranger.fresh();
    try {
      await attack(expect, stranger, c, before, c.nodes, [stranger.id, identity.id]);
      console.log(`stranger on the closed tree: ${JSON.stringify(stranger.stats)}`);
    } finally {
      stranger.close();
    }
  }, 90_000);

  it('a member forging a sync (itself at position 0, higher epoch), an update and reports from a second connection changes nothing on the other relays', async ({
    expect,
  }) => {
    const c = await Cluster.start('member', 3);
    const before = await waitOneTree('member tree', c.nodes);
    const ordered = byPosition(c, before);
    const bad = ordered[2]!;
    const member = await Stranger.impersonating(bad.data, bad.url);
    expect(member.id).toBe(bad.proc!.ready.id);
    try {
      await attack(expect, member, c, before, ordered.slice(0, 2), []);
      const after = await c.statuses();
      expect
        .soft(
          after.filter((s) => s?.members[0]?.id === member.id).map((s) => s!.id),
          'relays with the forger at position 0',
        )
        .toEqual([]);
      // The records it signed in the real layout reached the checks and were refused there, by name.
      const refused = await Promise.all(ordered.slice(0, 2).map((x) => countersNamed(x, 'bad-record')));
      console.log(`member/refused records: ${refused.flatMap((x) => x.where).join(', ') || 'none'}`);
      expect(
        refused.reduce((sum, x) => sum + x.total, 0),
        'records signed by a non-sequencer member refused as bad-record',
      ).toBeGreaterThan(0);
      console.log(`malicious member: ${JSON.stringify(member.stats)}`);
    } finally {
      member.close();
    }
  }, 90_000);

  for (const quick of [false, true]) {
    const how = quick ? 'at once' : 'after the others noticed it was gone';
    it(`the root stopped with SIGTERM and started again with the same command ${how} → one tree`, async ({
      expect,
    }) => {
      const c = await Cluster.start(quick ? 'term-quick' : 'term-slow', 3);
      const before = await waitOneTree(`sigterm ${how}: before`, c.nodes);
      const root = byPosition(c, before)[0]!;
      const rest = c.nodes.filter((x) => x !== root);
      const stopped = Date.now();
      const code = await root.proc!.stop('SIGTERM', 15_000);
      console.log(`sigterm ${how}: root exited with ${code} after ${Date.now() - stopped} ms`);
      if (!quick) {
        // Long enough for the others to have noticed: past the peer time-out, and until no other lists the root.
        let noticed = -1;
        while (Date.now() - stopped < 30_000) {
          const s = await Promise.all(rest.map((x) => x.status()));
          if (noticed < 0 && s.every((x) => x !== null && !x.members.some((m) => m.id === root.id)))
            noticed = Date.now() - stopped;
          if (noticed >= 0 && Date.now() - stopped > PEER_TIMEOUT_MS + 2_000) break;
          await sleep(POLL_MS);
        }
        console.log(
          `sigterm ${how}: the others dropped the root after ${noticed < 0 ? 'more than 30000' : noticed} ms`,
        );
      }
      await root.start();
      const after = await waitOneTree(`sigterm ${how}: after the restart`, c.nodes, before[0]!.treeId);
      expect(after.filter((s) => s.position === 0)).toHaveLength(1);
    }, 120_000);
  }

  for (const gapMs of [0, PEER_TIMEOUT_MS + 2_000]) {
    const how = gapMs === 0 ? 'one after the other' : `${gapMs / 1000} s apart (each alone past the time-out)`;
    it(`every relay of a 4-relay tree killed with -9 and started again in reverse join order (root last), ${how} → one tree`, async ({
      expect,
    }) => {
      const c = await Cluster.start(gapMs === 0 ? 'kill-all' : 'kill-all-slow', 4);
      const before = await waitOneTree(`kill -9 all, ${how}: before`, c.nodes);
      // No one left, so positions are the join order.
      const joined = byPosition(c, before);
      await Promise.all(c.nodes.map((x) => x.proc!.stop('SIGKILL')));
      for (const [i, x] of [...joined].reverse().entries()) {
        if (i > 0) await sleep(gapMs);
        await x.start();
      }
      const after = await waitOneTree(`kill -9 all, restarted last first ${how}`, c.nodes, before[0]!.treeId);
      expect(after.filter((s) => s.position === 0)).toHaveLength(1);
    }, 150_000);
  }

  it('a relay frozen (SIGSTOP) past the time-out, removed, then thawed after the tree moved on → one tree, no duplicate positions', async ({
    expect,
  }) => {
    const c = await Cluster.start('freeze', 4);
    const before = await waitOneTree('freeze: before', c.nodes);
    const frozen = byPosition(c, before)[1]!;
    const rest = c.nodes.filter((x) => x !== frozen);
    frozen.signal('SIGSTOP');
    try {
      const moved = await waitOneTree('freeze: the others without the frozen relay', rest, before[0]!.treeId);
      expect(moved[0]!.epoch).toBeGreaterThan(before[0]!.epoch);
    } finally {
      frozen.signal('SIGCONT');
    }
    const after = await waitOneTree('freeze: after SIGCONT', c.nodes, before[0]!.treeId);
    expect(new Set(after.map((s) => s.position)).size).toBe(4);
    expect(after.filter((s) => s.position === 0)).toHaveLength(1);
  }, 120_000);
});
