// A put on a tree smaller than the replica count (the README's first run: one relay, 3 copies asked) stores one
// copy per relay, says so, and the relays' repair sweep tops every shard up to 3 copies as two more relays join.
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, lastLine, rawRequest, runCli, startRelayProcess, tmpDir, waitFor, type RelayProcess } from './relay-harness.ts';

const FLAGS = ['--log-level', 'warn', '--repair-interval', '400'];
const root = tmpDir('peertree-top-up-');
process.env.PEERTREE_HOME = join(root.path, 'home');
const relays: RelayProcess[] = [];
const dataDirs: string[] = [];

const copies = (hash: string): number => dataDirs.filter((d) => existsSync(join(d, 'shards', hash.slice(0, 2), hash))).length;

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
    writeFileSync(file, randomBytes(40 * 1024));
    const put = await runCli(['put', file, '--public', '--relay', relays[0]!.ready.url, '--replicas', '3'], 60_000);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toMatch(/on 1 of 3 relays/);
    const manifest = lastLine(put.stdout).split('.')[1]!;
    const res = await rawRequest(relays[0]!.ready.url, `/api/shards/${manifest}`);
    const m = JSON.parse(res.body.toString('utf8')) as { shards: string[]; inline?: string };
    const hashes = [manifest, ...(m.inline ? [] : m.shards)];
    expect(hashes.map(copies)).toEqual(hashes.map(() => 1));

    await start(1, relays[0]!.ready.url);
    await start(2, relays[0]!.ready.url);
    await waitFor('3 copies of every shard', async () => (hashes.every((h) => copies(h) === 3) ? true : null), 60_000, 250);
    // Each copy is served by the relay that holds it.
    for (const r of relays) expect((await rawRequest(r.ready.url, `/api/shards/${manifest}`)).status).toBe(200);
  }, 120_000);
});
