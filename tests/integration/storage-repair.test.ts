// Holders and repair on 6 real relays (replicas 3, sweeps every 400 ms via --repair-interval): a forged holder set
// is ignored and repair still restores 3 copies after two holders are killed; a relay whose shard file vanished
// fails its audit and is repaired around; surplus copies after a restart go back to the target; a relay that
// leaves and a fresh one that joins end with every shard on exactly its 3 rendezvous holders.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  lastLine,
  rawRequest,
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

const N = 6;
const KiB = 1024;
const FLAGS = ['--log-level', 'warn', '--repair-interval', '400'];
const root = tmpDir('peertree-storage-repair-');
process.env.PEERTREE_HOME = join(root.path, 'home');
const relays: (RelayProcess | null)[] = [];
const dataDirs: string[] = [];

const live = () => relays.flatMap((r, i) => (r ? [{ r, i, id: r.ready.id }] : []));
const shardPath = (i: number, hash: string) => join(dataDirs[i]!, 'shards', hash.slice(0, 2), hash);

/** Live relays whose disk holds the shard `hash`. */
function onDisk(hash: string): number[] {
  return live()
    .filter(({ i }) => existsSync(shardPath(i, hash)))
    .map(({ i }) => i);
}

/** The live relays that rank first for `hash`: where the sweep keeps it. */
function computed(hash: string, n = 3): number[] {
  return rendezvousHolders(hash, live(), n)
    .map((m) => m.i)
    .sort((a, b) => a - b);
}

/** The hashes of a stored file: its manifest (the capability names it) and its shards, from the holders' status. */
async function shardsOf(capability: string): Promise<string[]> {
  const manifest = capability.split('.')[1]!;
  // Public files: the manifest is plain JSON after its author's header.
  const m = await publicManifest(live()[0]!.r.ready.url, manifest);
  return [manifest, ...(m.inline ? [] : m.shards)];
}

async function put(name: string, size: number): Promise<string[]> {
  const path = join(root.path, name);
  writeFileSync(path, randomBytes(size));
  const out = await runCli(['put', path, '--public', '--relay', live()[0]!.r.ready.url, '--replicas', '3'], 60_000);
  expect(out.code, out.stderr).toBe(0);
  return shardsOf(lastLine(out.stdout));
}

async function metric(i: number, name: string): Promise<number> {
  const res = await rawRequest(relays[i]!.ready.url, '/metrics');
  const line = res.body
    .toString('utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function storageStatus(i: number): Promise<Record<string, number>> {
  return ((await getStatus(relays[i]!.ready.url)).apps as Record<string, Record<string, number>>).storage!;
}

/** Waits until every shard is on exactly its 3 computed holders, with the repair gauges back at 0 everywhere. */
async function settled(what: string, shards: readonly string[], timeoutMs = 45_000): Promise<void> {
  try {
    await waitFor(
      what,
      async () => (shards.every((h) => JSON.stringify(onDisk(h)) === JSON.stringify(computed(h))) ? true : null),
      timeoutMs,
      200,
    );
    await waitFor(
      `${what}: gauges at 0`,
      async () => {
        for (const { i } of live()) if ((await metric(i, 'peertree_under_replicated_shards')) !== 0) return null;
        return true;
      },
      15_000,
    );
  } catch (err) {
    const views = await Promise.all(
      live().map(async ({ i }) => ({ i, storage: await storageStatus(i).catch(() => null) })),
    );
    throw new Error(
      `${String(err)}\non disk: ${JSON.stringify(shards.map((h) => [onDisk(h), computed(h)]))}\n${JSON.stringify(views)}`,
      { cause: err },
    );
  }
}

async function treeOf(size: number): Promise<void> {
  await waitFor(
    `a tree of ${size}`,
    async () => {
      const sizes = await Promise.all(live().map(async ({ r }) => (await getStatus(r.ready.url)).size));
      return sizes.every((s) => s === size) ? true : null;
    },
    60_000,
  );
}

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    const data = join(root.path, `r${i}`);
    dataDirs.push(data);
    relays.push(
      await startRelayProcess(data, [...FLAGS, ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])], 30_000),
    );
  }
  await treeOf(N);
}, 120_000);

afterAll(async () => {
  await Promise.all(live().map(({ r }) => r.stop('SIGKILL')));
  killAll();
  root.remove();
});

describe('holders, audits and the anti-entropy sweep on 6 relays', () => {
  it('finds by audit a relay whose shard file vanished, repairs around it, and ends on the computed holders', async () => {
    const shards = await put('audit.bin', 40 * KiB);
    await settled('shards placed', shards);
    const hash = shards[1]!;
    const victim = computed(hash)[0]!;
    const others = computed(hash).filter((i) => i !== victim);
    const failedBefore = (await Promise.all(others.map((i) => storageStatus(i)))).reduce(
      (n, s) => n + s.auditsFailed!,
      0,
    );
    // The relay still lists the shard in its database; only the file is gone.
    rmSync(shardPath(victim, hash));
    // The other holders' audits find the file gone (the copy made around it may be brief: the victim gets
    // its rendezvous share back soon after, so the test waits on the audit count, not on a passing state).
    await waitFor(
      'a failed audit of the victim',
      async () => {
        const failedAfter = (await Promise.all(others.map((i) => storageStatus(i)))).reduce(
          (n, s) => n + s.auditsFailed!,
          0,
        );
        return failedAfter > failedBefore ? true : null;
      },
      45_000,
      200,
    );
    // Audits that pass are counted too. A holder's sweeps are its own: the one that found the loss may have run
    // before the others audited anything, so this waits for the count instead of reading it once.
    await waitFor(
      'a passed audit counted by the other holders',
      async () => {
        const passed = await Promise.all(
          others.map((i) => metric(i, 'peertree_storage_audits_total{result="passed"}')),
        );
        return passed.some((n) => n > 0) ? true : null;
      },
      20_000,
      200,
    );
    // Later the victim gets its rendezvous share back and the 4th copy is released: 3 copies, where computed.
    await settled('back on the computed holders', shards);
  }, 90_000);

  it('ignores a forged holder set from a member, and still restores 3 copies after two holders are killed', async () => {
    const shards = await put('forged.bin', 40 * KiB);
    await settled('shards placed', shards);
    const hash = shards[1]!;
    const holders = computed(hash);
    // A member that holds nothing tells every holder that the holders are itself and another non-holder.
    const [liar, accomplice] = live().filter(({ i }) => !holders.includes(i));
    const key = await identityOfDataDir(dataDirs[liar!.i]!);
    const ignoredBefore = (await storageStatus(holders[0]!)).holderClaimsIgnored!;
    const sessions = [];
    for (const h of holders) {
      const s = await rawSession(relays[h]!.ready.ws, 10_000, 'relay', key);
      sessions.push(s);
      for (const x of shards)
        s.ws.send(await s.frame('shard.holders', { hash: x, holders: [liar!.id, accomplice!.id] }));
    }
    await waitFor(
      'the forged sets counted as ignored',
      async () => ((await storageStatus(holders[0]!)).holderClaimsIgnored! > ignoredBefore ? true : null),
      10_000,
    );
    // Kill two real holders of the shard: the survivor must still see them gone and restore 3 copies.
    for (const v of holders.slice(0, 2)) {
      relays[v]!.proc.kill('SIGKILL');
      relays[v] = null;
    }
    await settled('3 copies again after two holders died', shards, 60_000);
    for (const x of shards) expect(onDisk(x).length).toBe(3);
    for (const s of sessions) s.ws.close();
  }, 120_000);

  /**
   * Kills the first-ranked holder of `hash` (-9), waits for 3 live copies of `shards` without it, runs `whileDown`
   * on its data folder, and starts it again on its port and data: it comes back with its old copy. Returns it.
   */
  async function killUntilRepaired(
    shards: readonly string[],
    hash: string,
    whileDown: (data: string) => void = () => {},
  ): Promise<number> {
    const victim = computed(hash)[0]!;
    const before = relays[victim]!;
    before.proc.kill('SIGKILL');
    await before.exited;
    relays[victim] = null;
    // Audits of the dead relay fail at once: the others make a new copy while it is down.
    await waitFor(
      '3 live copies while one holder is down',
      async () => (shards.every((h) => onDisk(h).length >= 3) ? true : null),
      30_000,
      200,
    );
    whileDown(dataDirs[victim]!);
    relays[victim] = await startRelayProcess(
      dataDirs[victim]!,
      [...FLAGS, '--join', live().find(({ i }) => i !== victim)!.r.ready.url],
      30_000,
      before.port,
    );
    expect(relays[victim]!.ready.id).toBe(before.ready.id);
    return victim;
  }

  it('brings surplus copies after a restart back to the target', async () => {
    const shards = await put('surplus.bin', 40 * KiB);
    await settled('shards placed', shards);
    const hash = shards[1]!;
    const victim = await killUntilRepaired(shards, hash);
    // Its old copy is still on its disk: 4 copies of the shard now, one more than the target.
    expect(existsSync(shardPath(victim, hash))).toBe(true);
    await settled('surplus released', shards, 60_000);
    const released = (await Promise.all(live().map(({ i }) => storageStatus(i)))).reduce((n, s) => n + s.released!, 0);
    expect(released).toBeGreaterThan(0);
  }, 150_000);

  it('hands its pins to a holder that lost them in a crash, then releases the surplus copy', async () => {
    const shards = await put('lost-pins.bin', 40 * KiB);
    await settled('shards placed', shards);
    const hash = shards[1]!;
    // Killed after the shard's file was in place but before its pins were written: on restart the store keeps
    // the intact file, with no pin.
    const victim = await killUntilRepaired(shards, hash, (data) => {
      const db = new Database(join(data, 'relay.db'));
      expect(db.prepare('DELETE FROM shard_pins WHERE hash = ?').run(hash).changes).toBeGreaterThan(0);
      db.close();
    });
    // 4 copies, one of them without the owner's pin: the surplus goes only once every kept copy has the pin.
    await settled('surplus released after the pins were handed on', shards, 60_000);
    const back = new Database(join(dataDirs[victim]!, 'relay.db'), { readonly: true });
    const owners = back.prepare('SELECT owner FROM shard_pins WHERE hash = ?').all(hash);
    back.close();
    expect(owners.length).toBe(1);
    const handed = (await Promise.all(live().map(({ i }) => storageStatus(i)))).reduce(
      (n, s) => n + s.pinsHandedOn!,
      0,
    );
    expect(handed).toBeGreaterThan(0);
  }, 150_000);

  it('restores the copies of a relay that left with `peertree leave`, and gives a newcomer its rendezvous share', async () => {
    const shards = [
      ...(await put('leave-a.bin', 40 * KiB)),
      ...(await put('leave-b.bin', 40 * KiB)),
      ...(await put('leave-c.bin', 40 * KiB)),
    ];
    await settled('shards placed', shards);
    const size = live().length;
    const leaver = live().find(({ i }) => i !== 0 && shards.some((h) => computed(h).includes(i)))!;
    const left = await runCli(['leave', '--data', dataDirs[leaver.i]!], 40_000);
    expect(left.code, left.stderr).toBe(0);
    await leaver.r.exited;
    relays[leaver.i] = null;
    const data = join(root.path, 'newcomer');
    dataDirs.push(data);
    relays.push(await startRelayProcess(data, [...FLAGS, '--join', live()[0]!.r.ready.url], 30_000));
    await treeOf(size);
    await settled('every shard on its 3 rendezvous holders, the newcomer included', shards, 60_000);
    const newcomer = relays.length - 1;
    // The newcomer ranks among the first 3 for some of the shards (1/2 each with 6 relays): it holds exactly those.
    const share = shards.filter((h) => computed(h).includes(newcomer));
    for (const h of shards) expect(existsSync(shardPath(newcomer, h)), h).toBe(share.includes(h));
    // Copies of the earlier cases' files may still be on their way to it: the backlog drains to 0 once they land.
    await waitFor(
      "the newcomer's repair backlog drained",
      async () => ((await metric(newcomer, 'peertree_repair_backlog')) === 0 ? true : null),
      30_000,
      250,
    );
  }, 150_000);
});
