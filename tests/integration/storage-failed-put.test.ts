// A put that fails or is interrupted leaves nothing pinned: a relay whose disk (a real tmpfs) fills mid-put
// refuses with FULL, the CLI releases every piece it sent, and the relays end with no shard of it; Ctrl-C does
// the same. Before, ~50 MB stayed pinned on each relay with no capability to delete it by.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  getStatus,
  killAll,
  metricValue,
  REPO,
  runCli,
  smallDiskPrefix,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';

const FLAGS = ['--log-level', 'warn'];
const root = tmpDir('peertree-failed-put-');
process.env.PEERTREE_HOME = join(root.path, 'home');
const relays: RelayProcess[] = [];

const shardsOn = async (r: RelayProcess): Promise<number> => (await getStatus(r.ready.url)).shards as number;
const allEmpty = async () => ((await Promise.all(relays.map(shardsOn))).every((n) => n === 0) ? true : null);

beforeAll(async () => {
  // Two relays on the test machine's disk, the third on a 10 MiB file system of its own: with 3 copies of each
  // shard on a tree of 3, every shard goes to all three, and the third fills after a few.
  relays.push(await startRelayProcess(join(root.path, 'r0'), FLAGS, 30_000));
  relays.push(await startRelayProcess(join(root.path, 'r1'), [...FLAGS, '--join', relays[0]!.ready.url], 30_000));
  const small = join(root.path, 'small');
  mkdirSync(small);
  relays.push(
    await startRelayProcess(small, [...FLAGS, '--join', relays[0]!.ready.url], 30_000, 0, {
      prefix: smallDiskPrefix(small, 10 * 1024 * 1024),
    }),
  );
  await waitFor('a tree of 3', async () => ((await getStatus(relays[0]!.ready.url)).size === 3 ? true : null));
}, 90_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  root.remove();
});

describe('a put that fails', () => {
  it('when a disk fills mid-put, releases every piece it sent, and the space is usable again', async () => {
    const file = join(root.path, 'big.bin');
    writeFileSync(file, randomBytes(24 * 1024 * 1024));
    const put = await runCli(['put', file, '--relay', relays[0]!.ready.url, '--replicas', '3'], 120_000);
    expect(put.code, put.stderr).toBe(1);
    expect(put.stderr).toMatch(/FULL/);
    expect(put.stderr).toMatch(/nothing of it stays stored \(released \d+ pieces\)/);
    expect(put.stdout).toBe(''); // no capability: there is no file
    // The full disk is a refusal with its own reason, not a handler error.
    expect(await metricValue(relays[2]!.ready.url, 'peertree_refusals_total{reason="disk_full"}')).toBeGreaterThan(0);
    await waitFor('no shard left on any relay', allEmpty, 30_000, 250);

    const small = join(root.path, 'small.bin');
    writeFileSync(small, randomBytes(2 * 1024 * 1024));
    const again = await runCli(['put', small, '--relay', relays[0]!.ready.url, '--replicas', '3'], 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/on 3 relays each/);
    const del = await runCli(
      ['delete', again.stdout.trim().split('\n').at(-1)!, '--relay', relays[0]!.ready.url],
      60_000,
    );
    expect(del.code, del.stderr).toBe(0);
    await waitFor('the small file deleted everywhere', allEmpty, 30_000, 250);
  }, 180_000);

  it('when interrupted with Ctrl-C, stops sending, releases what it sent and exits 130', async () => {
    const file = join(root.path, 'long.bin');
    writeFileSync(file, randomBytes(64 * 1024 * 1024));
    // Two copies: the two relays with room keep every shard, so the put would succeed if left alone.
    const proc = spawn(process.execPath, [BIN, 'put', file, '--relay', relays[0]!.ready.url, '--replicas', '2'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      await waitFor(
        'a few shards stored',
        async () => ((await Promise.all(relays.map(shardsOn))).reduce((a, b) => a + b, 0) >= 4 ? true : null),
        60_000,
        50,
      );
      proc.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
      expect(code, stderr).toBe(130);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    expect(stderr).toMatch(/interrupted: releasing what was already stored/);
    expect(stderr).toMatch(/nothing of it stays stored/);
    await waitFor('no shard left on any relay', allEmpty, 30_000, 250);
  }, 180_000);
});
