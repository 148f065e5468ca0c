// `npm run sim -- [--seeds N] [--seed S] [--nodes N] [--k K] [--verbose] [--scale] [--sign-cost] [--search]`
import { runSeed, replayCommand, type RunResult } from './scenario.ts';
import { scaleReport } from './scale.ts';
import { searchReport } from './search-report.ts';
import { signCostReport } from './sign-cost.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string): number | undefined => (arg(name) === undefined ? undefined : Number(arg(name)));

if (process.argv.includes('--search')) {
  process.stdout.write(await searchReport());
} else if (process.argv.includes('--sign-cost')) {
  const max = num('max-sim') ?? 10_000;
  process.stdout.write(signCostReport({ sizes: [1_000, 10_000].filter((n) => n <= max) }));
} else if (process.argv.includes('--scale')) {
  const max = num('max-sim');
  process.stdout.write(scaleReport(max === undefined ? {} : { maxSimulated: max }));
} else {
  const single = num('seed');
  const first = num('from') ?? 1;
  const seeds = single !== undefined ? [single] : Array.from({ length: num('seeds') ?? 1_000 }, (_, i) => first + i);
  const nodes = num('nodes');
  const k = num('k');
  const verbose = process.argv.includes('--verbose');
  const started = Date.now();
  let failed: RunResult[] = [];
  let settleMax = 0;
  let settleSum = 0;
  let steps = 0;
  for (const seed of seeds) {
    const r = runSeed({ seed, ...(nodes !== undefined ? { nodes } : {}), ...(k !== undefined ? { k } : {}) });
    steps += r.steps;
    if (r.ok) {
      settleMax = Math.max(settleMax, r.settleMs);
      settleSum += r.settleMs;
    } else {
      failed.push(r);
      process.stdout.write(
        `FAIL seed ${r.seed} (n=${r.nodes} k=${r.k} faults=${r.faults.join(' ')}): ${r.failure}\n  replay: ${replayCommand(r)}\n`,
      );
      if (verbose)
        process.stdout.write(
          r.trace
            .slice(-120)
            .map((l) => `    ${l}\n`)
            .join(''),
        );
      if (failed.length >= 20) {
        process.stdout.write('stopping after 20 failures\n');
        break;
      }
    }
    if (verbose && r.ok)
      process.stdout.write(
        `ok seed ${seed} n=${r.nodes} k=${r.k} settled in ${r.settleMs} ms (${r.steps} steps) faults=${r.faults.join(' ')}\n`,
      );
  }
  const okCount = seeds.length - failed.length;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `sim: ${okCount}/${seeds.length} seeds passed, ${failed.length} failed; settle after faults mean ${(settleSum / Math.max(1, okCount)).toFixed(0)} ms, max ${settleMax} ms; ${steps} steps in ${secs} s\n`,
  );
  failed = failed.slice(0, 20);
  process.exitCode = failed.length > 0 ? 1 : 0;
}
