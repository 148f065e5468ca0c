#!/usr/bin/env node
// `npm test`: CLI build, typecheck, lint, unit + simulation + integration (Vitest), PWA build, browser tests (Playwright).
// Fails loudly, never skips: a missing Chromium is an error, not a reason to leave tests out.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.PEERTREE_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(
    `FAIL: Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium) — browser tests are never skipped.`,
  );
  process.exit(1);
}

const reports = mkdtempSync(join(tmpdir(), 'peertree-test-'));
const vitestJson = join(reports, 'vitest.json');
const playwrightJson = join(reports, 'playwright.json');

const steps = [
  // bin/peertree.js (every relay and CLI process the tests start) runs this bundle when it is current.
  ['CLI build', 'node', ['scripts/build-cli.js']],
  // One TypeScript project per layer (core: no DOM, no Node types; relay: Node; PWA: DOM), then the whole tree.
  ['typecheck core', 'npx', ['tsc', '-p', 'tsconfig.core.json', '--noEmit']],
  ['typecheck relay', 'npx', ['tsc', '-p', 'tsconfig.relay.json', '--noEmit']],
  ['typecheck PWA', 'npx', ['tsc', '-p', 'tsconfig.pwa.json', '--noEmit']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint', 'npx', ['eslint', '.']],
  // One format (Prettier, printWidth 120): a file that is not formatted fails here; `npm run format` fixes it.
  ['format check', 'npx', ['prettier', '--check', '.']],
  [
    'unit, simulation and integration tests',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`],
  ],
  ['PWA build', 'npx', ['vite', 'build', '--logLevel', 'warn']],
  ['browser tests', 'npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson }],
];

let failedStep = null;
for (const [name, cmd, args, env] of steps) {
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) {
    failedStep = name;
    break;
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const v = readJson(vitestJson);
if (v) {
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + (v.numTodoTests ?? 0);
}
const p = readJson(playwrightJson);
if (p?.stats) {
  passed += p.stats.expected;
  failed += p.stats.unexpected + p.stats.flaky;
  skipped += p.stats.skipped;
}
if (skipped > 0 && !failedStep) {
  failedStep = `${skipped} skipped test(s): skipping is a defect here`;
}
console.log(`\n${passed} passed, ${failed} failed`);
if (failedStep) {
  console.error(`npm test failed at: ${failedStep}`);
  process.exit(1);
}
