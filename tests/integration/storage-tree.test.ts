// Storage across a tree of 6 real relays (replicas 3): edge-size files from different relays, no plaintext
// on any disk, corruption bypassed, and repair back to 3 live holders after two holders are killed.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  waitFor,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
  lastLine,
} from './relay-harness.ts';
import { FileDecoder } from '../../core/storage/file-codec.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';

const N = 6;
const MiB = 1024 * 1024;
const root = tmpDir('peertree-storage-tree-');
const work = tmpDir('peertree-storage-files-');
process.env.PEERTREE_HOME = join(work.path, 'home');
const relays: RelayProcess[] = [];
const dataDirs: string[] = [];
const dead = new Set<number>();

/** Live relays whose disk holds the shard named `hash`. */
function holdersOnDisk(hash: string): number[] {
  return dataDirs
    .map((d, i) => (!dead.has(i) && existsSync(join(d, 'shards', hash.slice(0, 2), hash)) ? i : -1))
    .filter((i) => i >= 0);
}

/** Indexes of the live relays that rank highest for `hash`: where placement and repair put it. */
function computedHolders(hash: string, n: number): number[] {
  const live = relays.map((r, i) => ({ id: r.ready.id, i })).filter(({ i }) => !dead.has(i));
  return rendezvousHolders(hash, live, n)
    .map((m) => m.i)
    .sort((a, b) => a - b);
}

function shardFiles(dir: string): string[] {
  const base = join(dir, 'shards');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((s) => /^[0-9a-f]{2}$/.test(s))
    .flatMap((s) => readdirSync(join(base, s)).map((f) => join(base, s, f)));
}

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    const data = join(root.path, `r${i}`);
    dataDirs.push(data);
    const args = ['--log-level', 'warn', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])];
    relays.push(await startRelayProcess(data, args, 30_000));
  }
  await waitFor('6 relays in one tree', async () => {
    const sizes = await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size));
    return sizes.every((s) => s === N) ? true : null;
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r, i) => (dead.has(i) ? null : r.stop('SIGKILL'))));
  killAll();
  root.remove();
  work.remove();
});

describe('storage on a tree of 6 relays, replicas 3', () => {
  const files = new Map<string, { capability: string; bytes: Buffer }>();

  it('stores files of 0 B, 1 B, exactly one shard, one byte over, and 200 MiB, each fetched from another relay', async () => {
    const marker = Buffer.from('PLAINTEXT-MARKER-7f3a');
    const sizes: [string, number][] = [
      ['empty', 0],
      ['one-byte', 1],
      ['one-shard', MiB],
      ['one-over', MiB + 1],
      ['big', 200 * MiB],
    ];
    for (const [i, [name, size]] of sizes.entries()) {
      const bytes = Buffer.alloc(size);
      for (let off = 0; off < size; off += 65536) randomBytes(Math.min(65536, size - off)).copy(bytes, off);
      // A recognisable plaintext marker in every file that has room for it.
      if (size >= marker.length) for (let off = 0; off + marker.length <= size; off += MiB / 2) marker.copy(bytes, off);
      const path = join(work.path, name);
      writeFileSync(path, bytes);
      const put = await runCli(['put', path, '--relay', relays[i % N]!.ready.url, '--replicas', '3'], 240_000);
      expect(put.code, put.stderr).toBe(0);
      files.set(name, { capability: lastLine(put.stdout), bytes });
    }
    for (const [i, [name]] of sizes.entries()) {
      const out = join(work.path, `${name}.out`);
      const from = relays[(i + 3) % N]!;
      const get = await runCli(['get', files.get(name)!.capability, '--relay', from.ready.url, '-o', out], 240_000);
      expect(get.code, get.stderr).toBe(0);
      expect(readFileSync(out).equals(files.get(name)!.bytes), name).toBe(true);
    }
    // Encrypted by default: no shard file on any relay contains the plaintext marker.
    for (const dir of dataDirs) {
      for (const f of shardFiles(dir)) expect(readFileSync(f).includes(marker), f).toBe(false);
    }
    // Every shard of the manifest is on exactly 3 relays: the 3 that rank highest for its hash, whoever coordinated.
    const manifest = files.get('one-over')!.capability.split('.')[1]!;
    expect(holdersOnDisk(manifest)).toEqual(computedHolders(manifest, 3));
    for (const { capability } of files.values()) {
      const hash = capability.split('.')[1]!;
      expect(holdersOnDisk(hash), hash).toEqual(computedHolders(hash, 3));
    }
  }, 600_000);

  it('bypasses a holder whose copy of a shard is corrupted on disk', async () => {
    const manifest = files.get('one-byte')!.capability.split('.')[1]!;
    // The holder ranked first: the one a client (routing by hash) or any relay asks first, so its copy is read.
    const live = relays.map((r, i) => ({ id: r.ready.id, i })).filter(({ i }) => !dead.has(i));
    const victim = rendezvousHolders(manifest, live, 1)[0]!.i;
    expect(holdersOnDisk(manifest)).toContain(victim);
    writeFileSync(join(dataDirs[victim!]!, 'shards', manifest.slice(0, 2), manifest), 'rotten bytes');
    const out = join(work.path, 'one-byte.again');
    const get = await runCli([
      'get',
      files.get('one-byte')!.capability,
      '--relay',
      relays[victim!]!.ready.url,
      '-o',
      out,
    ]);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(files.get('one-byte')!.bytes)).toBe(true);
    // The corrupt copy was dropped, not served.
    expect(holdersOnDisk(manifest)).not.toContain(victim);
  }, 60_000);

  it('keeps a file retrievable after kill -9 of two holders and repairs every shard to 3 live holders', async () => {
    const { capability, bytes } = files.get('one-over')!;
    const manifest = capability.split('.')[1]!;
    const holders = holdersOnDisk(manifest).filter((i) => i !== 0);
    const victims = holders.slice(0, 2);
    expect(victims).toHaveLength(2);
    for (const v of victims) {
      relays[v]!.proc.kill('SIGKILL');
      dead.add(v);
    }
    const alive = relays.findIndex((_, i) => !dead.has(i));
    const out = join(work.path, 'one-over.after-kill');
    const get = await runCli(['get', capability, '--relay', relays[alive]!.ready.url, '-o', out], 60_000);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);

    // The tree replaces the dead relays, then the surviving holders repair.
    await waitFor(
      'tree of 4',
      async () => ((await getStatus(relays[alive]!.ready.url)).size === N - 2 ? true : null),
      60_000,
    );
    const holder = holdersOnDisk(manifest)[0]!;
    const manifestBytes = new Uint8Array(
      readFileSync(join(dataDirs[holder]!, 'shards', manifest.slice(0, 2), manifest)),
    );
    const shards = [manifest, ...(await FileDecoder.open(parseCapability(capability), manifestBytes)).manifest.shards];
    expect(shards).toHaveLength(3);
    try {
      await waitFor(
        '3 live holders of every shard',
        async () => (shards.every((h) => holdersOnDisk(h).length >= 3) ? true : null),
        90_000,
      );
    } catch (err) {
      // Say what each live relay's repair saw: the figures a failure needs.
      const views = await Promise.all(
        relays.map(async (r, i) =>
          dead.has(i)
            ? null
            : {
                i,
                apps: (await getStatus(r.ready.url)).apps,
                holders: shards.map((h) => holdersOnDisk(h).includes(i)),
              },
        ),
      );
      throw new Error(
        `${String(err)}\nholders: ${JSON.stringify(shards.map((h) => holdersOnDisk(h)))}\n${JSON.stringify(views.filter(Boolean))}\n${relays.map((r, i) => (dead.has(i) ? '' : r.stderr().slice(-1500))).join('\n')}`,
        { cause: err },
      );
    }
    // Repair chose the next relays in rendezvous order: the shards are where any relay computes them to be.
    for (const h of shards) expect(holdersOnDisk(h), h).toEqual(computedHolders(h, 3));
  }, 200_000);
});
