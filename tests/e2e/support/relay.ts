// Starts and stops real relays (`node bin/peertree.js relay --http …`) on free loopback ports for browser tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** The CLI to run; PEERTREE_E2E_RELAY_BIN points the tests at another build of the same CLI. */
const RELAY_BIN = process.env.PEERTREE_E2E_RELAY_BIN ?? join(REPO_ROOT, 'bin', 'peertree.js');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LIMIT = 64 * 1024;

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

/** A loopback port that was free a moment ago (the relay binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

export async function startRelay(options: RelayOptions = {}): Promise<RunningRelay> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'peertree-e2e-relay-'));
  const args = [RELAY_BIN, 'relay', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir, '--http'];
  if (options.join) args.push('--join', options.join);
  args.push(...(options.extraArgs ?? []));

  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let log = '';
  const append = (chunk: Buffer | string): void => {
    log = (log + chunk.toString()).slice(-LOG_LIMIT);
  };
  child.stderr?.on('data', append);

  const cleanup = (): void => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    }
    cleanup();
  };

  const lines = createInterface({ input: child.stdout! });
  let first: string;
  try {
    first = await new Promise<string>((resolveLine, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay did not print its URL within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolveLine(line);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`relay exited before printing its URL (code ${code}, signal ${signal})`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- relay output ---\n${log}`, { cause: err });
  }
  append(first + '\n');
  lines.on('line', (line) => append(line + '\n'));

  let info: { url?: unknown; id?: unknown };
  try {
    info = JSON.parse(first) as { url?: unknown; id?: unknown };
  } catch {
    await stop();
    throw new Error(`relay's first stdout line is not JSON: ${first}`);
  }
  if (typeof info.url !== 'string' || typeof info.id !== 'string') {
    await stop();
    throw new Error(`relay's first stdout line lacks url/id: ${first}`);
  }
  const url = info.url.replace(/\/+$/, '');
  if (!url.startsWith('http://127.0.0.1:')) {
    await stop();
    throw new Error(`expected a plain-HTTP loopback URL for the browser tests, got ${url}`);
  }
  return { url, id: info.id, port, dataDir, process: child, log: () => log, stop };
}
