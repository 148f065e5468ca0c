// Issue #16 item 3 on 4 real relays (replicas 3, sweeps every 1.5 s): a relay leaves with `peertree leave`, the
// survivors see their shards under-replicated (the operating.md alert fires), restore 3 copies, and a relay that
// joins then gets exactly its rendezvous share. A member's forged holder sets meanwhile change nothing.
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  lastLine,
  logLines,
  metricValue,
  rawSession,
  runCli,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
  publicManifest,
} from './relay-harness.ts';
import { identityOfDataDir } from './stranger.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';

const FLAGS = ['--log-level', 'info', '--repair-interval', '1500'];
const root = tmpDir('peertree-storage-leave-');
process.env.PEERTREE_HOME = join(root.path, 'home');
const relays: (RelayProcess | null)[] = [];
const dataDirs: string[] = [];

const live = () => relays.flatMap((r, i) => (r ? [{ r, i, id: r.ready.id }] : []));
const onDisk = (hash: string) =>
  live()
    .filter(({ i }) => existsSync(join(dataDirs[i]!, 'shards', hash.slice(0, 2), hash)))
    .map(({ i }) => i);
const computed = (hash: string) =>
  rendezvousHolders(hash, live(), 3)
    .map((m) => m.i)
    .sort((a, b) => a - b);
const storage = async (i: number) =>
  ((await getStatus(relays[i]!.ready.url)).apps as Record<string, Record<string, number>>).storage!;

/** The alert of docs/operating.md, evaluated on one scrape of every live relay (its `for:` duration aside). */
async function alertFires(): Promise<boolean> {
  for (const { r } of live()) {
    if ((await metricValue(r.ready.url, 'peertree_under_replicated_shards')) > 0) return true;
    if ((await metricValue(r.ready.url, 'peertree_repair_backlog')) > 0) return true;
  }
  return false;
}

async function gaugesAtZero(): Promise<true | null> {
  for (const { r } of live()) {
    if ((await metricValue(r.ready.url, 'peertree_under_replicated_shards')) !== 0) return null;
    if ((await metricValue(r.ready.url, 'peertree_repair_backlog')) !== 0) return null;
  }
  return true;
}

async function start(i: number): Promise<void> {
  const data = join(root.path, `r${i}`);
  dataDirs[i] = data;
  relays[i] = await startRelayProcess(data, [...FLAGS, ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])], 30_000);
}

async function treeOf(size: number): Promise<void> {
  await waitFor(
    `a tree of ${size}`,
    async () =>
      (await Promise.all(live().map(async ({ r }) => (await getStatus(r.ready.url)).size))).every((s) => s === size)
        ? true
        : null,
    30_000,
  );
}

beforeAll(async () => {
  for (let i = 0; i < 4; i++) await start(i);
  await treeOf(4);
}, 60_000);

afterAll(async () => {
  await Promise.all(live().map(({ r }) => r.stop('SIGKILL')));
  killAll();
  root.remove();
});

describe('a relay that leaves the tree with `peertree leave`', () => {
  it('is repaired around (alert fires, then clears), a forged holder set changes nothing, and a newcomer gets its share', async () => {
    const shards: string[] = [];
    for (const name of ['a.bin', 'b.bin']) {
      const file = join(root.path, name);
      writeFileSync(file, randomBytes(40 * 1024));
      const put = await runCli(['put', file, '--public', '--relay', relays[0]!.ready.url, '--replicas', '3'], 60_000);
      expect(put.code, put.stderr).toBe(0);
      const manifest = lastLine(put.stdout).split('.')[1]!;
      const m = await publicManifest(relays[0]!.ready.url, manifest);
      shards.push(manifest, ...(m.inline ? [] : m.shards));
    }
    await waitFor(
      'every shard on its 3 rendezvous holders',
      async () => (shards.every((h) => JSON.stringify(onDisk(h)) === JSON.stringify(computed(h))) ? true : null),
      30_000,
      200,
    );
    expect(await waitFor('gauges at 0 before the leave', gaugesAtZero, 15_000, 200)).toBe(true);
    expect(await alertFires()).toBe(false);

    // The leaver holds some of the shards (with 4 relays and 3 copies, each holds about 3 in 4).
    const leaver = live().find(({ i }) => i !== 0 && shards.some((h) => computed(h).includes(i)))!;
    const lost = shards.filter((h) => computed(h).includes(leaver.i));
    const left = await runCli(['leave', '--data', dataDirs[leaver.i]!], 40_000);
    expect(left.code, left.stderr).toBe(0);
    await leaver.r.exited;
    relays[leaver.i] = null;

    // A survivor's key forges holder sets: "the holders of H are the relay that left and relay 0" to the others.
    const forger = live().find(({ i }) => i !== 0)!;
    const key = await identityOfDataDir(dataDirs[forger.i]!);
    const others = live().filter(({ i }) => i !== forger.i);
    const ignoredBefore = (await Promise.all(others.map(({ i }) => storage(i)))).reduce(
      (n, s) => n + s.holderClaimsIgnored!,
      0,
    );
    const sessions = [];
    for (const { r } of others) {
      const s = await rawSession(r.ready.ws, 10_000, 'relay', key);
      sessions.push(s);
      for (const h of shards)
        s.ws.send(await s.frame('shard.holders', { hash: h, holders: [leaver.id, relays[0]!.ready.id] }));
    }

    // Copies are lost: the operator's alert fires on some survivor (a gauge > 0), before repair brings it back.
    await waitFor('the under-replication alert firing', async () => ((await alertFires()) ? true : null), 20_000, 100);
    await waitFor(
      'the forged sets counted as ignored',
      async () => {
        const after = (await Promise.all(others.map(({ i }) => storage(i)))).reduce(
          (n, s) => n + s.holderClaimsIgnored!,
          0,
        );
        return after >= ignoredBefore + shards.length * others.length ? true : null;
      },
      10_000,
      200,
    );
    // 3 survivors and a target of 3: every shard ends on all of them, whatever the forged sets said.
    await waitFor(
      '3 copies of every shard on the survivors',
      async () => (shards.every((h) => onDisk(h).length === 3) ? true : null),
      30_000,
      200,
    );
    expect(await waitFor('the alert cleared', gaugesAtZero, 15_000, 200)).toBe(true);
    expect(lost.length).toBeGreaterThan(0);
    // The operator's log says so, once per sweep: repair started on a survivor, and finished with copies made.
    const events = live().flatMap(({ i }) => logLines(relays[i]!));
    expect(events.some((l) => l.event === 'repair.started' && (l.shards as number) > 0)).toBe(true);
    expect(events.some((l) => l.event === 'repair.finished' && (l.copied as number) > 0)).toBe(true);
    for (const s of sessions) s.ws.close();

    // A newcomer joins: each shard ends on exactly its 3 rendezvous holders, the newcomer holding its share.
    await start(4);
    await treeOf(4);
    await waitFor(
      'every shard on its 3 rendezvous holders, the newcomer included',
      async () => (shards.every((h) => JSON.stringify(onDisk(h)) === JSON.stringify(computed(h))) ? true : null),
      40_000,
      200,
    );
    expect(await waitFor('gauges at 0 with the newcomer', gaugesAtZero, 15_000, 200)).toBe(true);
    const share = shards.filter((h) => computed(h).includes(4));
    expect(share.length).toBeGreaterThan(0);
    for (const h of shards) expect(onDisk(h).includes(4), h).toBe(share.includes(h));
  }, 120_000);
});
