// A `peertree get` whose relay dies mid-download (kill -9) goes on with the other relays of the tree and ends
// with the exact bytes; a get whose only relay is gone ends with a clear error, in bounded time.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  lastLine,
  runCli,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';

const MiB = 1024 * 1024;
const root = tmpDir('peertree-cli-failover-');
process.env.PEERTREE_HOME = join(root.path, 'home');
const relays: RelayProcess[] = [];

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  root.remove();
});

/** Bytes written so far to the get's partial file in `dir` (0 before it exists). */
function partialBytes(dir: string): number {
  const f = readdirSync(dir).find((n) => n.endsWith('.partial'));
  return f ? statSync(join(dir, f)).size : 0;
}

describe('peertree get when its relay dies', () => {
  it('finishes from the other relays with the exact bytes after the relay it entered by is killed', async () => {
    for (let i = 0; i < 3; i++)
      relays.push(
        await startRelayProcess(
          join(root.path, `r${i}`),
          ['--log-level', 'warn', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])],
          30_000,
        ),
      );
    await waitFor(
      'a tree of 3',
      async () => ((await getStatus(relays[0]!.ready.url)).size === 3 ? true : null),
      30_000,
    );
    const file = join(root.path, 'video.bin');
    const bytes = randomBytes(48 * MiB);
    writeFileSync(file, bytes);
    const put = await runCli(['put', file, '--relay', relays[0]!.ready.url], 120_000);
    expect(put.code, put.stderr).toBe(0);
    const capability = lastLine(put.stdout);

    const outDir = join(root.path, 'out');
    mkdirSync(outDir);
    const out = join(outDir, 'video.bin');
    const entry = relays[1]!;
    const get = runCli(['get', capability, '--relay', entry.ready.url, '-o', out], 90_000);
    // Kill the entry relay once the download has begun (and well before it ends).
    await waitFor('the download under way', async () => (partialBytes(outDir) > 0 ? true : null), 60_000, 20);
    entry.proc.kill('SIGKILL');
    const done = await get;
    expect(done.code, done.stderr).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }, 240_000);

  it('ends with a clear error, not a hang, when the only relay it names is gone', async () => {
    const get = await runCli(['get', `pt1.${'ab'.repeat(32)}`, '--relay', relays[1]!.ready.url], 30_000);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/cannot connect/);
  }, 60_000);
});
