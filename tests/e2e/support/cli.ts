// Runs the real CLI (`node bin/peertree.js …`) from browser tests, with a time limit.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './relay.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `env` is added to this process's environment (e.g. PEERTREE_HOME for a CLI user of the test's own). */
export function runCli(
  args: readonly string[],
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'peertree.js'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`peertree ${args[0]} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The capability a `peertree put` printed (its last stdout line). */
export function capabilityFrom(result: CliResult): string {
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !/^pt1\.[0-9a-f]{64}(\.[A-Za-z0-9_-]{43})?$/.test(last))
    throw new Error(`peertree put failed (${result.code}): ${result.stderr}`);
  return last;
}

/** Parses the JSON lines a command printed (fails loudly on a non-zero exit). */
export function jsonLines(result: CliResult): Record<string, unknown>[] {
  if (result.code !== 0) throw new Error(`peertree exited ${result.code}: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
