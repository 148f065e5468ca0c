// A full relay refuses shards and the put goes elsewhere: 4 real relays, one with a tiny capacity.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStatus, killAll, runCli, startRelayProcess, tmpDir, waitFor, type RelayProcess } from './relay-harness.ts';

const dir = tmpDir('peertree-full-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
const relays: RelayProcess[] = [];
const FULL = 1; // the relay with room for almost nothing

function shardNames(i: number): string[] {
  const base = join(dir.path, `r${i}`, 'shards');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((s) => /^[0-9a-f]{2}$/.test(s))
    .flatMap((s) => readdirSync(join(base, s)));
}

beforeAll(async () => {
  for (let i = 0; i < 4; i++) {
    const args = [
      '--log-level',
      'warn',
      ...(i === FULL ? ['--capacity', '64K'] : []),
      ...(i === 0 ? [] : ['--join', relays[0]!.ready.url]),
    ];
    relays.push(await startRelayProcess(join(dir.path, `r${i}`), args, 30_000));
  }
  await waitFor('4 relays in one tree', async () =>
    (await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size))).every((s) => s === 4)
      ? true
      : null,
  );
}, 90_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  dir.remove();
});

describe('a full relay', () => {
  it('refuses shards beyond its capacity while the put completes on the other relays', async () => {
    const original = randomBytes(6 * 1024 * 1024);
    const file = join(dir.path, 'big.bin');
    writeFileSync(file, original);
    // Put through the full relay itself: as coordinator it must place every shard elsewhere.
    const put = await runCli(['put', file, '--relay', relays[FULL]!.ready.url, '--replicas', '3'], 120_000);
    expect(put.code, put.stderr).toBe(0);
    const capability = put.stdout.trim().split('\n').at(-1)!;
    const out = join(dir.path, 'copy.bin');
    const get = await runCli(['get', capability, '--relay', relays[2]!.ready.url, '-o', out], 120_000);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(original)).toBe(true);
    // The full relay holds no more than its capacity (a small shard such as the manifest may still fit);
    // every shard is on exactly 3 relays, so whatever the full relay refused went elsewhere.
    expect((await getStatus(relays[FULL]!.ready.url)).bytes as number).toBeLessThanOrEqual(64 * 1024);
    const held = [0, 1, 2, 3].map((i) => new Set(shardNames(i)));
    const all = new Set(held.flatMap((s) => [...s]));
    expect(all.size).toBeGreaterThanOrEqual(7); // 6 data shards and the manifest
    for (const h of all) expect(held.filter((s) => s.has(h)).length, h).toBe(3);
    expect(held[FULL]!.size).toBeLessThan(all.size);
  }, 180_000);
});
