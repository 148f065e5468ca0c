// Benchmark helpers: warm-up, repeated runs, medians, and the results file format shared by every suite.
import { spawn } from 'node:child_process';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
  baseline: { name: string; value: number } | null;
  /** value / baseline.value (for "higher is better") or baseline.value / value (for "lower"): > 1 means better. */
  ratio: number | null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs `op` `count` times per sample, `samples` times after `warmup` samples, and returns the median rate in
 * operations per second. `op` may be async; up to `inFlight` calls overlap.
 */
export async function rate(
  op: () => unknown,
  opts: { count: number; samples?: number; warmup?: number; inFlight?: number },
): Promise<number> {
  const samples = opts.samples ?? 7;
  const warmup = opts.warmup ?? 2;
  const inFlight = Math.max(1, opts.inFlight ?? 1);
  const rates: number[] = [];
  for (let s = 0; s < warmup + samples; s++) {
    const start = performance.now();
    if (inFlight === 1) {
      for (let i = 0; i < opts.count; i++) await op();
    } else {
      let started = 0;
      const worker = async () => {
        while (started < opts.count) {
          started++;
          await op();
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    }
    const seconds = (performance.now() - start) / 1000;
    if (s >= warmup) rates.push(opts.count / seconds);
  }
  return median(rates);
}

export function result(
  name: string,
  value: number,
  unit: string,
  better: 'higher' | 'lower',
  baseline?: { name: string; value: number },
): BenchResult {
  const ratio = baseline ? (better === 'higher' ? value / baseline.value : baseline.value / value) : null;
  return {
    name,
    value: round(value),
    unit,
    better,
    baseline: baseline ? { name: baseline.name, value: round(baseline.value) } : null,
    ratio: ratio === null ? null : round(ratio),
  };
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

export function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    r.baseline ? `${r.baseline.name}: ${r.baseline.value}` : '—',
    r.ratio === null ? '—' : `${r.ratio}×`,
  ]);
  const header = ['benchmark', 'value', 'baseline (same run)', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Runs a command to completion; resolves with its wall time (ms), rejects on a non-zero exit. */
export function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`)),
    );
  });
}
