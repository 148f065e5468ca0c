// Real relays (`peertree relay --http …`, through the one harness tests/support/relay-process.ts) on free
// loopback ports for browser tests; PEERTREE_E2E_RELAY_BIN points them at another build of the same CLI.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO, startRelayProcess, type RelayProcess } from '../../support/relay-process.ts';

export const REPO_ROOT = REPO;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RelayOptions {
  /** Data folder; a fresh temporary one (removed on stop) when absent. */
  readonly dataDir?: string;
  /** URL of a relay to join (omit for a new root). */
  readonly join?: string;
  readonly extraArgs?: readonly string[];
  /** Port to listen on (e.g. to restart a relay where pages expect it); a free one when absent. */
  readonly port?: number;
}

export interface RunningRelay {
  /** Base URL from the relay's first stdout line, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Recent stdout and stderr, for failure messages. */
  log(): string;
  /** SIGTERM, then SIGKILL after a grace period; removes a temporary data folder. */
  stop(): Promise<void>;
}

export { freePort };

export async function startRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'peertree-e2e-relay-'));
  const args = ['--host', '127.0.0.1', '--http'];
  if (options.join) args.push('--join', options.join);
  args.push(...(options.extraArgs ?? []));
  const cleanup = (): void => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let relay: RelayProcess;
  try {
    relay = await startRelayProcess(
      dataDir,
      args,
      START_TIMEOUT_MS,
      port,
      process.env.PEERTREE_E2E_RELAY_BIN ? { bin: process.env.PEERTREE_E2E_RELAY_BIN } : {},
    );
  } catch (err) {
    cleanup();
    throw err;
  }
  const stop = async (): Promise<void> => {
    await relay.stop('SIGTERM', STOP_TIMEOUT_MS);
    cleanup();
  };
  const url = relay.ready.url.replace(/\/+$/, '');
  if (!url.startsWith('http://127.0.0.1:')) {
    await stop();
    throw new Error(`expected a plain-HTTP loopback URL for the browser tests, got ${url}`);
  }
  return {
    url,
    id: relay.ready.id,
    port,
    dataDir,
    process: relay.proc,
    log: () => `${JSON.stringify(relay.ready)}\n${relay.stderr()}`,
    stop,
  };
}
