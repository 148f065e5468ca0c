// kill -9 in the middle of shard writes and SQLite transactions: after a restart every acknowledged write is
// there with its pin, every shard the store returns hashes to its name, and no temporary file is left.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRelayDb } from '../../node-relay/data/relay-db.ts';
import { FileShardStore } from '../../node-relay/storage/file-shard-store.ts';
import { PinIndex } from '../../node-relay/replication/pin-index.ts';
import { REPO, tmpDir } from './relay-harness.ts';

const dir = tmpDir('peertree-crash-');
afterAll(() => dir.remove());

/** Runs the writer, kills it with -9 `afterMs` after it is ready, and returns the hashes it acknowledged. */
function writeAndKill(data: string, seed: number, afterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO, 'bin', 'run-ts.js'), join(REPO, 'tests', 'chaos', 'shard-writer.ts'), data, String(seed)],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    let killer: NodeJS.Timeout | null = null;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killer === null && out.startsWith('ready\n')) killer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (killer) clearTimeout(killer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended without being killed: ${err}`));
      // A line without its newline was cut while being printed: not acknowledged.
      resolve(
        out
          .split('\n')
          .slice(1, -1)
          .filter((l) => /^[0-9a-f]{64}$/.test(l)),
      );
    });
  });
}

describe('kill -9 during shard writes and SQLite transactions', () => {
  it('keeps every acknowledged write and serves no corrupt shard after each restart', async () => {
    const data = dir.path;
    const acknowledged = new Set<string>();
    for (const [round, afterMs] of [400, 900, 250, 1300, 600].entries()) {
      for (const h of await writeAndKill(data, round + 1, afterMs)) acknowledged.add(h);
      // Restart: open the store and the database as the relay does.
      const db = openRelayDb(join(data, 'relay.db'));
      try {
        const store = await FileShardStore.open({ dir: join(data, 'shards'), db });
        const pins = new PinIndex(db);
        expect(readdirSync(join(data, 'shards', 'tmp'))).toEqual([]); // half-written files removed
        for (const h of acknowledged) {
          const bytes = await store.get(h);
          expect(bytes, `acknowledged shard ${h} after round ${round}`).not.toBeNull();
          expect(createHash('sha256').update(bytes!).digest('hex')).toBe(h);
          expect(pins.get(h, 'ab'.repeat(32))).toBeDefined();
        }
        // Whatever else is indexed (written but not yet acknowledged) is intact too.
        for (const h of await store.list('', 100_000)) {
          const file = readFileSync(join(data, 'shards', h.slice(0, 2), h));
          expect(createHash('sha256').update(file).digest('hex')).toBe(h);
        }
        await store.close();
      } finally {
        db.close();
      }
    }
    expect(acknowledged.size).toBeGreaterThan(20);
  }, 90_000);
});
