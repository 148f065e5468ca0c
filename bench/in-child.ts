// Runs one suite in a process of its own (bench/suite-child.ts) and returns its result: see that file for why.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './cluster.ts';

/** The Node flags of the bench process itself (package.json's `bench` script), kept for its suites. */
const CHILD_NODE_FLAGS = ['--initial-old-space-size=64'];
/** Longest any one suite may take before it is killed (the full run's slowest suite takes a few minutes). */
const CHILD_TIMEOUT_MS = 30 * 60_000;

export function inChild<T>(suite: string, opts: Record<string, unknown>, timeoutMs = CHILD_TIMEOUT_MS): Promise<T> {
  const args = [...CHILD_NODE_FLAGS, join(REPO, 'bin', 'run-ts.js'), join(REPO, 'bench', 'suite-child.ts')];
  return new Promise<T>((resolveRun, reject) => {
    const proc = spawn(process.execPath, [...args, suite, JSON.stringify(opts)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    // Not tracked for killAll's SIGKILL: the child must get to clean up the relays it started. It does on
    // SIGTERM (the timeout below) and when this process goes away (its IPC channel closes).
    let stdout = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGTERM'), timeoutMs);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`suite ${suite} exited with ${code ?? signal}`));
      try {
        resolveRun(JSON.parse(last) as T);
      } catch {
        reject(new Error(`suite ${suite} printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
}
