// A client that starts downloading a public file and goes away must not leave the relay waiting forever
// for the socket to drain (each such wait held the file's shards in memory: a cheap remote memory leak).
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRelayArgs } from '../../node-relay/config/relay-config.ts';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay } from '../../node-relay/relay.ts';
import { startApps } from '../../node-relay/apps/start-apps.ts';
import { BUILTIN_APPS } from '../../node-relay/apps/builtin-apps.ts';
import { activeFileStreams } from '../../node-relay/storage/files-endpoint.ts';
import { runCli, tmpDir } from './relay-harness.ts';

const dir = tmpDir('peertree-aborted-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
afterAll(() => dir.remove());

/** Starts a download and cuts it after the first bytes arrive. */
function startAndAbort(url: string, path: string): Promise<void> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end();
  });
}

describe('aborted downloads', () => {
  it('release the relay: no stream is left waiting once its client is gone', async () => {
    const parsed = parseRelayArgs([
      '--port',
      '0',
      '--data',
      join(dir.path, 'relay'),
      '--http',
      '--replicas',
      '1',
      '--log-level',
      'error',
    ]);
    if (parsed.ok !== true) throw new Error('bad flags');
    const relay = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }));
    const apps = await startApps(relay, BUILTIN_APPS);
    try {
      const file = join(dir.path, 'big.bin');
      writeFileSync(file, randomBytes(24 * 1024 * 1024));
      const put = await runCli(['put', file, '--relay', relay.url, '--replicas', '1', '--public'], 60_000);
      expect(put.code, put.stderr).toBe(0);
      const capability = put.stdout.trim().split('\n').at(-1)!;
      for (let i = 0; i < 5; i++) await startAndAbort(relay.url, `/api/files/${capability}`);
      const deadline = Date.now() + 15_000;
      while (activeFileStreams() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(activeFileStreams()).toBe(0);
    } finally {
      await apps.close();
      await relay.close();
    }
  }, 90_000);
});
