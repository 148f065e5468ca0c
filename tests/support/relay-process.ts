// The one relay-process harness: start `peertree relay`, read its ready line, ask its status, stop, kill and
// restart it with the same data — used by integration tests, e2e, bench, chaos and fuzz alike.
//
// Every process it starts is tracked and killed by `killAll()`; every wait is bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RELAY_NODE_FLAGS } from '../../node-relay/relay-node-flags.ts';

export const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const BIN = join(REPO, 'bin', 'peertree.js');
/** How much of a relay's stderr is kept for failure messages. */
const STDERR_LIMIT = 256 * 1024;
const STATUS_TIMEOUT_MS = 5_000;

/** A relay's first stdout line (docs/operations.md, "Ready line"). */
export interface Ready {
  url: string;
  ws: string;
  id: string;
  publicKey: string;
  treeId: string;
  position: number;
  pid: number;
  data: string;
  /** `self-signed`, `certificate` (--cert), `acme` (--domain) or `none` (--http). */
  tls?: string;
  fingerprint256?: string | null;
  /** The --domain the relay gets a certificate for. */
  domain?: string;
}

export interface RelaySpawnOptions {
  /**
   * A command the relay runs under, which ends by exec'ing the rest of its arguments (same process, so signals
   * reach the relay): e.g. `smallDiskPrefix` to give it a small file system of its own.
   */
  readonly prefix?: readonly string[];
  /** Node.js flags added after RELAY_NODE_FLAGS (e.g. --cpu-prof for a benchmark). */
  readonly nodeArgs?: readonly string[];
  /** Variables added to the relay's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Another build of the same CLI (the e2e tests' PEERTREE_E2E_RELAY_BIN). */
  readonly bin?: string;
}

export interface RelayProcess {
  readonly proc: ChildProcess;
  readonly ready: Ready;
  /** The data folder it was started with. */
  readonly data: string;
  /** The port it listens on (a restart comes back on it). */
  readonly port: number;
  stderr(): string;
  /** Resolves with the exit code (null if killed by a signal) whenever the process exits. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM: "restarting") and resolves with the exit code, SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, resolved when it is gone. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM) and starts it again with the same command, data folder and port. */
  restart(timeoutMs?: number): Promise<RelayProcess>;
}

const live = new Set<ChildProcess>();

/** Kills every relay (and CLI run) still running: call from afterAll/afterEach or a `finally`. */
export function killAll(): void {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  live.clear();
}

/** Tracks a child process of a test so that `killAll` ends it. */
export function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}

/**
 * Starts `peertree relay --port PORT --data DIR [args]` (PORT 0 unless given: a restart that must come back on
 * the same URL passes the port it had) and waits (bounded) for its first stdout line.
 */
export function startRelayProcess(
  dataDir: string,
  args: readonly string[] = [],
  timeoutMs = 20_000,
  port = 0,
  options: RelaySpawnOptions = {},
): Promise<RelayProcess> {
  return new Promise((resolveStart, reject) => {
    const command = [
      process.execPath,
      ...RELAY_NODE_FLAGS,
      ...(options.nodeArgs ?? []),
      options.bin ?? BIN,
      'relay',
      '--port',
      String(port),
      '--data',
      dataDir,
      ...args,
    ];
    const [file, ...rest] = [...(options.prefix ?? []), ...command] as [string, ...string[]];
    const proc = spawn(file, rest, {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    track(proc);
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`relay did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_LIMIT);
    });
    proc.stdout!.on('data', (d: Buffer) => {
      if (started) return;
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl === -1) return;
      started = true;
      clearTimeout(timer);
      let ready: Ready;
      try {
        ready = JSON.parse(stdout.slice(0, nl)) as Ready;
        if (typeof ready.url !== 'string' || typeof ready.id !== 'string') throw new Error('no url or id');
      } catch (err) {
        proc.kill('SIGKILL');
        reject(
          new Error(`the relay's first stdout line is not its ready line: ${stdout.slice(0, nl)}`, { cause: err }),
        );
        return;
      }
      const listening = Number(new URL(ready.url).port);
      const stop = async (signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 10_000): Promise<number | null> => {
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
        proc.kill(signal);
        const killer = setTimeout(() => proc.kill('SIGKILL'), stopTimeoutMs);
        const code = await exited;
        clearTimeout(killer);
        return code;
      };
      resolveStart({
        proc,
        ready,
        data: dataDir,
        port: listening,
        stderr: () => stderr,
        exited,
        stop,
        async kill() {
          await stop('SIGKILL');
        },
        async restart(restartTimeoutMs = timeoutMs) {
          await stop('SIGTERM');
          return startRelayProcess(dataDir, args, restartTimeoutMs, listening, options);
        },
      });
    });
    proc.once('exit', (code) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`relay exited with ${code} before its ready line\n${stderr}`));
      }
    });
  });
}

/**
 * The one status client: GET BASE/api/status over HTTP or HTTPS (a self-signed certificate accepted: the
 * tests' relays make their own), bounded in time. Resolves with the parsed body, or null when the relay is
 * unreachable or answers anything but 200 with JSON.
 */
export function fetchStatus<T = Record<string, unknown>>(
  baseUrl: string,
  timeoutMs = STATUS_TIMEOUT_MS,
): Promise<T | null> {
  const u = new URL('/api/status', baseUrl);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveReq) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, rejectUnauthorized: false, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolveReq(res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as T) : null);
          } catch {
            resolveReq(null);
          }
        });
        res.on('error', () => resolveReq(null));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolveReq(null));
    req.end();
  });
}

/**
 * A loopback port free right now, below the kernel's ephemeral range (32768–60999 here): a relay that must
 * come back on the same port after a restart would otherwise find it taken by some other process's
 * outgoing connection or port-0 listener in between. Bounded: at most 64 tries.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolveTry) => {
      const server = createServer();
      server.once('error', () => resolveTry(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolveTry(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free loopback port found in 20000–31999 after 64 tries');
}
