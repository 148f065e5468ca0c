// A put on a tree smaller than the replica count (the README's first run: one relay, 3 copies asked) stores one
// copy per relay, says so, and the relays' repair sweep tops every shard up to 3 copies as two more relays join.
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  lastLine,
  metricValue,
  rawRequest,
  runCli,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
  publicManifest,
} from './relay-harness.ts';

const FLAGS = ['--log-level', 'warn', '--repair-interval', '400'];
const root = tmpDir('peertree-top-up-');
process.env.PEERTREE_HOME = join(root.path, 'home');
const relays: RelayProcess[] = [];
const dataDirs: string[] = [];

const storage = async (r: RelayProcess) =>
  ((await getStatus(r.ready.url)).apps as Record<string, Record<string, number>>).storage!;
const copies = (hash: string): number =>
  dataDirs.filter((d) => existsSync(join(d, 'shards', hash.slice(0, 2), hash))).length;

async function start(i: number, join_?: string): Promise<void> {
  const data = join(root.path, `r${i}`);
  dataDirs.push(data);
  relays.push(await startRelayProcess(data, [...FLAGS, ...(join_ ? ['--join', join_] : [])], 30_000));
}

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  root.remove();
});

describe('a put on a tree smaller than the replica count', () => {
  it('stores 1 of 3 copies on a lone relay, and reaches 3 copies of every shard once two relays join', async () => {
    await start(0);
    const file = join(root.path, 'photo.bin');
    // 8 shards of 1 MiB and a manifest: the second relay ranks last of three for about a third of them, where a
    // holder that took a target of 2 would release its copy (the bug this guards against) — missed in (2/3)^9.
    writeFileSync(file, randomBytes(8 * 1024 * 1024));
    const put = await runCli(['put', file, '--public', '--relay', relays[0]!.ready.url, '--replicas', '3'], 60_000);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toMatch(/on 1 of 3 relays/);
    // A lone relay holding one copy of a 3-copy file is not under-replicated: there is nowhere else to put it.
    expect(await metricValue(relays[0]!.ready.url, 'peertree_under_replicated_shards')).toBe(0);
    const manifest = lastLine(put.stdout).split('.')[1]!;
    const m = await publicManifest(relays[0]!.ready.url, manifest);
    const hashes = [manifest, ...(m.inline ? [] : m.shards)];
    expect(hashes.map(copies)).toEqual(hashes.map(() => 1));

    await start(1, relays[0]!.ready.url);
    await start(2, relays[0]!.ready.url);
    await waitFor(
      '3 copies of every shard',
      async () => (hashes.every((h) => copies(h) === 3) ? true : null),
      60_000,
      250,
    );
    // And it stays there: each holder keeps the target of 3 (the second relay got its copy on a tree of 2), so
    // none sees a surplus and releases; three more sweeps everywhere change nothing.
    const sweeps = await Promise.all(relays.map(async (r) => (await storage(r)).sweeps!));
    await waitFor(
      'three more sweeps on every relay',
      async () => ((await Promise.all(relays.map(storage))).every((s, i) => s.sweeps! >= sweeps[i]! + 3) ? true : null),
      30_000,
      250,
    );
    expect(hashes.map(copies)).toEqual(hashes.map(() => 3));
    expect((await Promise.all(relays.map(storage))).map((s) => s.released)).toEqual([0, 0, 0]);
    // Each copy is served by the relay that holds it.
    for (const r of relays) expect((await rawRequest(r.ready.url, `/api/shards/${manifest}`)).status).toBe(200);
  }, 120_000);
});
