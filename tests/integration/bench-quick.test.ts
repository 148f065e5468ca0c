// `npm run bench -- --quick` runs every benchmark suite end to end (real relays, Helia, Chromium) and each
// produces a finite figure. No timing is asserted: the machines are shared and benchmarks are not tests.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tmpDir } from './relay-harness.ts';

const dir = tmpDir('peertree-bench-quick-');
afterAll(() => dir.remove());

interface BenchDoc {
  quick: boolean;
  results: {
    name: string;
    value: number;
    unit: string;
    better: string;
    baseline: { name: string; value: number } | null;
    ratio: number | null;
  }[];
  errors: string[];
}

function runQuickBench(out: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(REPO, 'bin', 'run-ts.js'), 'bench/run.ts', '--quick', `--out=${out}`], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      // The bench kills its own relays on SIGTERM.
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      reject(new Error(`bench --quick did not finish within ${timeoutMs} ms\n${output.slice(-4000)}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench -- --quick', () => {
  it('runs every suite and every benchmark yields a finite result', async () => {
    const out = join(dir.path, 'quick.json');
    const run = await runQuickBench(out, 290_000);
    // The suites' own errors (written to the JSON before the exit) say what failed; the output's tail may not.
    const suiteErrors = existsSync(out) ? ((JSON.parse(readFileSync(out, 'utf8')) as BenchDoc).errors ?? []) : [];
    expect(run.code, [...suiteErrors, run.output.slice(-4000)].join('\n')).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as BenchDoc;
    expect(doc.quick).toBe(true);
    expect(doc.errors).toEqual([]);
    const names = doc.results.map((r) => r.name);
    // One or more figures from every suite.
    for (const prefix of [
      'limit: ',
      'ed25519 ',
      'helia: ',
      'get ',
      'put ',
      'signed requests',
      'tree: ',
      'small assets: ',
      'memory: relay',
      'memory: CLI',
      'memory: browser',
      's3 gateway: ',
      'memory: S3 gateway',
      'gallery: ',
      'stream: ',
    ]) {
      expect(
        names.some((n) => n.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    for (const r of doc.results) {
      expect(Number.isFinite(r.value), r.name).toBe(true);
      if (r.baseline) expect(Number.isFinite(r.baseline.value) && Number.isFinite(r.ratio), r.name).toBe(true);
      expect(['higher', 'lower']).toContain(r.better);
    }
  }, 300_000);
});
