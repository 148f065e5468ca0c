// The tree with real `peertree relay` processes on loopback (k = 2): 15 relays take positions 0…14; a
// broadcast from a leaf reaches every relay exactly once; messages queued for a killed relay arrive after
// it restarts; kill -9 of a middle relay, the root, a leaf and the last relay each leave a complete tree
// with the former last relay in the vacated position (within 30 s), and so do two at once; `peertree leave
// --data DIR` leaves gracefully (SIGTERM only stops a relay to come back: relay-restart-leave.test.ts).
// One tree is reused through the steps to keep the run short; every process is killed in afterAll.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../node-relay/ws/connector.ts';
import { fetchStatus, killAll, runCli, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';

const K = 2;
const N = 15;
/** The issue's bound for replacing a dead relay. */
const REPLACE_WITHIN_MS = 30_000;
const POLL_MS = 250;
const FLAGS = ['--max-peers', String(K), '--diag', '--log-level', 'warn'];

type Proc = RelayProcess;

interface Status {
  id: string;
  treeId: string;
  position: number;
  epoch: number;
  parent: string | null;
  children: string[];
  size: number;
  depth: number;
  outbox: number;
  phase: string;
  members: { position: number; id: string; url: string }[];
  diag: { receipts: { mid: string; from: string; text: string; broadcast: boolean; count: number }[] };
}

const dir = tmpDir('peertree-tree-');

function spawnRelay(data: string, args: string[], port = 0, timeoutMs = 30_000): Promise<Proc> {
  return startRelayProcess(data, [...FLAGS, ...args], timeoutMs, port);
}

function statusOf(p: Proc): Promise<Status | null> {
  return fetchStatus<Status>(p.ready.url);
}

/** Polls `check` until it returns a value (not null), at most `timeoutMs` (bounded in count and time). */
async function waitFor<T>(what: string, check: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  let last: unknown = null;
  for (let i = 0; i < Math.ceil(timeoutMs / POLL_MS) + 1 && Date.now() - started <= timeoutMs; i++) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * The statuses of `procs` when they describe one complete tree of exactly them: same tree id, epoch and
 * membership everywhere, positions 0…n−1 each held once, parent and children as the positions say.
 */
async function completeTree(procs: readonly Proc[]): Promise<Status[] | null> {
  const all = await Promise.all(procs.map(statusOf));
  if (all.some((s) => s === null || s.phase !== 'member')) return null;
  const statuses = all as Status[];
  const n = procs.length;
  const first = statuses[0]!;
  const order = first.members.map((m) => m.id);
  for (const s of statuses) {
    if (s.size !== n || s.treeId !== first.treeId || s.epoch !== first.epoch) return null;
    if (s.members.map((m) => m.id).join() !== order.join()) return null;
    if (order[s.position] !== s.id) return null;
    const parent = s.position === 0 ? null : order[Math.floor((s.position - 1) / K)];
    if (s.parent !== parent) return null;
    const children = order.slice(K * s.position + 1, K * s.position + K + 1);
    if (s.children.join() !== children.join()) return null;
  }
  if (new Set(statuses.map((s) => s.position)).size !== n) return null;
  if (order.length !== n || new Set(order).size !== n || !procs.every((p) => order.includes(p.ready.id))) return null;
  return statuses;
}

async function waitForTree(procs: readonly Proc[], timeoutMs = REPLACE_WITHIN_MS): Promise<Status[]> {
  return waitFor(`a complete tree of ${procs.length}`, () => completeTree(procs), timeoutMs);
}

function byPosition(statuses: readonly Status[], procs: readonly Proc[]): Proc[] {
  const out: Proc[] = [];
  for (const s of statuses) out[s.position] = procs.find((p) => p.ready.id === s.id)!;
  return out;
}

async function diagRequest(p: Proc, type: string, body: Record<string, unknown>): Promise<string> {
  const link = await connect(p.ready.url, { timeoutMs: 5_000 });
  try {
    const reply = await link.request(type, body, 5_000);
    return (reply.body as { mid: string }).mid;
  } finally {
    link.close();
  }
}

let relays: Proc[] = [];

beforeAll(async () => {
  const root = await spawnRelay(join(dir.path, 'r0'), []);
  const early = await Promise.all([1, 2].map((i) => spawnRelay(join(dir.path, `r${i}`), ['--join', root.ready.url])));
  await waitForTree([root, ...early]);
  // The rest join at once, each through some member (not only the root).
  const contacts = [root, ...early];
  const rest = await Promise.all(
    Array.from({ length: N - 3 }, (_, j) =>
      spawnRelay(join(dir.path, `r${j + 3}`), ['--join', contacts[j % contacts.length]!.ready.url]),
    ),
  );
  relays = [root, ...early, ...rest];
}, 120_000);

afterAll(() => {
  killAll();
  dir.remove();
});

describe('a tree of real relays (k = 2)', () => {
  it('gives 15 relays the distinct positions 0…14, size 15 and depth 3', async () => {
    const statuses = await waitForTree(relays);
    expect(statuses.map((s) => s.position).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    for (const s of statuses) expect(s).toMatchObject({ size: N, depth: 3, treeId: relays[0]!.ready.treeId });
    // The joiners adopted the root's tree id (each made its own at first start).
    expect(new Set(statuses.map((s) => s.treeId)).size).toBe(1);
  }, 60_000);

  it('delivers a broadcast from a leaf to every relay exactly once', async () => {
    const ordered = byPosition((await waitForTree(relays))!, relays);
    const leaf = ordered[N - 1]!;
    const mid = await diagRequest(leaf, 'diag.broadcast', { text: 'hello from a leaf' });
    const receipts = await waitFor(
      'the broadcast at every relay',
      async () => {
        const all = await Promise.all(relays.map(statusOf));
        const found = all.map((s) => s?.diag.receipts.find((r) => r.mid === mid) ?? null);
        return found.every((r) => r !== null) ? found : null;
      },
      REPLACE_WITHIN_MS,
    );
    for (const r of receipts)
      expect(r).toMatchObject({ mid, from: leaf.ready.id, text: 'hello from a leaf', broadcast: true, count: 1 });
    // Still once after the hop-by-hop re-send period has passed (duplicates are dropped by message id).
    await new Promise((r) => setTimeout(r, 2_500));
    const again = await Promise.all(relays.map(statusOf));
    for (const s of again) expect(s!.diag.receipts.filter((r) => r.mid === mid).map((r) => r.count)).toEqual([1]);
  }, 60_000);

  it('delivers messages queued for a killed relay after it restarts with the same data folder', async () => {
    const ordered = byPosition(await waitForTree(relays), relays);
    const target = ordered[9]!;
    const sender = ordered[12]!;
    target.proc.kill('SIGKILL');
    await target.exited;
    const mids: string[] = [];
    for (let i = 0; i < 5; i++)
      mids.push(await diagRequest(sender, 'diag.send', { to: target.ready.id, text: `queued ${i}` }));
    const queued = await statusOf(sender);
    expect(queued!.outbox).toBeGreaterThan(0);

    const again = await spawnRelay(target.data, ['--join', relays[0]!.ready.url], target.port);
    expect(again.ready.id).toBe(target.ready.id);
    relays = relays.map((p) => (p === target ? again : p));
    const got = await waitFor(
      'the queued messages at the restarted relay',
      async () => {
        const s = await statusOf(again);
        const rs = s?.diag.receipts.filter((r) => r.from === sender.ready.id) ?? [];
        return mids.every((m) => rs.some((r) => r.mid === m)) ? rs : null;
      },
      REPLACE_WITHIN_MS,
    );
    for (const m of mids) expect(got.find((r) => r.mid === m)).toMatchObject({ count: 1, broadcast: false });
    await waitFor(
      'the sender outbox to drain',
      async () => ((await statusOf(sender))?.outbox === 0 ? true : null),
      REPLACE_WITHIN_MS,
    );
    await waitForTree(relays);
  }, 90_000);

  it('delivers messages queued for a relay the tree removed as dead, after it restarts and rejoins at the end', async () => {
    const ordered = byPosition(await waitForTree(relays), relays);
    const size = ordered.length;
    const target = ordered[5]!;
    const sender = ordered[3]!;
    target.proc.kill('SIGKILL');
    await target.exited;
    await waitForTree(relays.filter((p) => p !== target));
    const mids: string[] = [];
    for (let i = 0; i < 3; i++)
      mids.push(await diagRequest(sender, 'diag.send', { to: target.ready.id, text: `after removal ${i}` }));
    expect((await statusOf(sender))!.outbox).toBeGreaterThanOrEqual(3);

    const again = await spawnRelay(target.data, [], target.port);
    relays = relays.map((p) => (p === target ? again : p));
    const after = await waitForTree(relays);
    expect(after.find((s) => s.id === target.ready.id)!.position).toBe(size - 1);
    const got = await waitFor(
      'the queued messages at the rejoined relay',
      async () => {
        const rs = (await statusOf(again))?.diag.receipts.filter((r) => mids.includes(r.mid)) ?? [];
        return rs.length === mids.length ? rs : null;
      },
      REPLACE_WITHIN_MS,
    );
    for (const r of got) expect(r).toMatchObject({ from: sender.ready.id, count: 1 });
  }, 90_000);

  for (const [what, pick] of [
    ['a middle relay', (size: number) => Math.min(2, size - 2)],
    ['the root', () => 0],
    ['a leaf', (size: number) => Math.floor(size / 2) + 1],
    ['the last relay', (size: number) => size - 1],
  ] as const) {
    it(`replaces ${what} killed with -9 by the former last relay, within 30 s`, async () => {
      const ordered = byPosition(await waitForTree(relays), relays);
      const size = ordered.length;
      const p = pick(size);
      const victim = ordered[p]!;
      const last = ordered[size - 1]!;
      const started = Date.now();
      victim.proc.kill('SIGKILL');
      await victim.exited;
      relays = relays.filter((r) => r !== victim);
      const after = await waitForTree(relays, REPLACE_WITHIN_MS);
      const took = Date.now() - started;
      console.log(`kill -9 ${what} (position ${p} of ${size}): complete tree of ${size - 1} after ${took} ms`);
      expect(after[0]!.size).toBe(size - 1);
      if (victim !== last) expect(after.find((s) => s.id === last.ready.id)!.position).toBe(p);
      expect(after.some((s) => s.id === victim.ready.id)).toBe(false);
    }, 60_000);
  }

  it('recovers from two relays killed with -9 at once (an interior relay and a leaf), within 30 s', async () => {
    const ordered = byPosition(await waitForTree(relays), relays);
    const size = ordered.length;
    const victims = [ordered[1]!, ordered[size - 3]!];
    const started = Date.now();
    for (const v of victims) v.proc.kill('SIGKILL');
    await Promise.all(victims.map((v) => v.exited));
    relays = relays.filter((r) => !victims.includes(r));
    const after = await waitForTree(relays, REPLACE_WITHIN_MS);
    console.log(
      `kill -9 positions 1 and ${size - 3} of ${size} at once: complete tree of ${size - 2} after ${Date.now() - started} ms`,
    );
    expect(after[0]!.size).toBe(size - 2);
    for (const v of victims) expect(after.some((s) => s.id === v.ready.id)).toBe(false);
  }, 60_000);

  it('lets a relay leave gracefully with `peertree leave --data DIR`: exit 0, its leave confirmed, the last relay in its place', async () => {
    const ordered = byPosition(await waitForTree(relays), relays);
    const size = ordered.length;
    const leaver = ordered[1]!;
    const last = ordered[size - 1]!;
    const started = Date.now();
    const cli = await runCli(['leave', '--data', leaver.data], 40_000);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/left tree [0-9a-f]{32} and stopped/);
    expect(await leaver.exited).toBe(0);
    expect(leaver.stderr()).not.toMatch(/leave not confirmed/);
    relays = relays.filter((r) => r !== leaver);
    const after = await waitForTree(relays, REPLACE_WITHIN_MS);
    console.log(
      `peertree leave (position 1 of ${size}): complete tree of ${size - 1} after ${Date.now() - started} ms`,
    );
    expect(after.find((s) => s.id === last.ready.id)!.position).toBe(1);
  }, 60_000);
});
