// Real relay processes for the benchmarks: start a tree on loopback, wait for it, run the CLI, kill everything.
// Every wait is bounded in count and time; every spawned process is tracked and killed by `cleanup()`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BIN,
  fetchStatus,
  killAll,
  REPO,
  startRelayProcess,
  track,
  type RelayProcess,
} from '../tests/support/relay-process.ts';

export { BIN, REPO };
export const MiB = 1024 * 1024;

/** A relay a suite started (the one harness's process, tests/support/relay-process.ts). */
export type Relay = RelayProcess;

const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const path = mkdtempSync(join(tmpdir(), `peertree-bench-${prefix}-`));
  dirs.add(path);
  return path;
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  dirs.delete(path);
}

/** Kills every process a suite spawned (SIGKILL) and removes every temp dir: call in `finally`. */
export function cleanup(): void {
  killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts `peertree relay --port 0 --data DIR --log-level warn …` and waits (bounded) for its ready line. */
export function startRelay(
  data: string,
  args: string[] = [],
  timeoutMs = 30_000,
  nodeArgs: string[] = [],
): Promise<Relay> {
  return startRelayProcess(data, ['--log-level', 'warn', ...args], timeoutMs, 0, { nodeArgs });
}

/** GET URL/api/status (bounded in time); null when unreachable. */
export function status(url: string, timeoutMs = 5_000): Promise<Record<string, unknown> | null> {
  return fetchStatus(url, timeoutMs);
}

/** Polls `check` every `everyMs` until it returns non-null; throws after `timeoutMs` (bounded in count too). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const start = Date.now();
  const maxPolls = Math.ceil(timeoutMs / everyMs) + 1;
  for (let i = 0; i < maxPolls && Date.now() - start <= timeoutMs; i++) {
    const v = await check().catch(() => null);
    if (v !== null) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

interface TreeStatus {
  id: string;
  size: number;
  epoch: number;
  position: number;
  phase?: string;
  members?: { id: string }[];
}

/** True when every relay reports the same complete tree of exactly `relays`. */
export async function isCompleteTree(relays: readonly Relay[]): Promise<boolean> {
  const all = (await Promise.all(relays.map((r) => status(r.ready.url)))) as (TreeStatus | null)[];
  if (all.some((s) => s === null)) return false;
  const s0 = all[0]!;
  const ids = new Set(relays.map((r) => r.ready.id));
  const positions = new Set<number>();
  for (const s of all as TreeStatus[]) {
    if (s.size !== relays.length || s.epoch !== s0.epoch || (s.phase !== undefined && s.phase !== 'member'))
      return false;
    if (s.members && (s.members.length !== relays.length || !s.members.every((m) => ids.has(m.id)))) return false;
    positions.add(s.position);
  }
  return positions.size === relays.length;
}

export interface Tree {
  readonly relays: Relay[];
  readonly root: string;
  /** Milliseconds from the first spawn until every relay reported the complete tree. */
  readonly formedMs: number;
}

/** Starts a root and n−1 joiners (all at once, through the first few members), waits for one complete tree. */
export async function startTree(
  n: number,
  opts: { maxPeers?: number; args?: string[]; timeoutMs?: number } = {},
): Promise<Tree> {
  const base = tempDir('tree');
  const args = ['--max-peers', String(opts.maxPeers ?? 4), ...(opts.args ?? [])];
  const started = performance.now();
  const root = await startRelay(join(base, 'r0'), args);
  const rest = await Promise.all(
    Array.from({ length: n - 1 }, (_, i) =>
      startRelay(join(base, `r${i + 1}`), [...args, '--join', root.ready.url], 60_000),
    ),
  );
  const relays = [root, ...rest];
  await waitFor(
    `a complete tree of ${n}`,
    async () => ((await isCompleteTree(relays)) ? true : null),
    opts.timeoutMs ?? 120_000,
    100,
  );
  return { relays, root: root.ready.url, formedMs: performance.now() - started };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set of the CLI process (KiB → bytes), from /usr/bin/time when available. */
  peakRss: number | null;
}

let timeBin: string | null | undefined;
function findTime(): string | null {
  if (timeBin === undefined) {
    try {
      readFileSync('/usr/bin/time');
      timeBin = '/usr/bin/time';
    } catch {
      timeBin = null;
    }
  }
  return timeBin;
}

/** Runs `peertree ARGS` (bounded in time) and measures its wall time and, with /usr/bin/time, its peak RSS. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 300_000): Promise<CliRun> {
  const time = findTime();
  const cmd = time ?? process.execPath;
  const argv = time ? ['-f', 'PEERTREE_MAXRSS_KB=%M', process.execPath, BIN, ...args] : [BIN, ...args];
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const proc = spawn(cmd, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    track(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`peertree ${args[0]} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      const m = /PEERTREE_MAXRSS_KB=(\d+)/.exec(stderr);
      resolveRun({ code, stdout, stderr, ms, peakRss: m ? Number(m[1]) * 1024 : null });
    });
  });
}

export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/** Resident set size of a process from /proc (bytes), or null. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Writes `size` bytes of incompressible data to `path` in 8 MiB pieces (no two alike). */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const { open } = await import('node:fs/promises');
  const { randomFillSync } = await import('node:crypto');
  const piece = Buffer.alloc(Math.min(size, 8 * MiB));
  randomFillSync(piece);
  const fh = await open(path, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += piece.length, i++) {
      piece.writeUInt32BE(i, 0);
      await fh.write(piece, 0, Math.min(piece.length, size - off));
    }
  } finally {
    await fh.close();
  }
}
