// Playwright global setup: checks Chromium, builds the PWA into dist/, starts one real relay serving it.
// Tests read its URL from PEERTREE_E2E_URL (environment set here reaches the worker processes).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requireChromium } from '../../support/chromium.ts';
import { REPO_ROOT, startRelay } from './relay.ts';
import { fetchStatus } from '../../support/relay-process.ts';

export default async function globalSetup(): Promise<() => Promise<void>> {
  requireChromium();

  // Always test what the relay will serve: a fresh build of the current sources.
  if (process.env.PEERTREE_E2E_SKIP_BUILD !== '1') {
    const build = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd: REPO_ROOT,
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error(`vite build failed (exit ${build.status})`);
  }
  for (const file of ['index.html', 'sw.js', 'manifest.webmanifest', 'test-vectors.html']) {
    if (!existsSync(join(REPO_ROOT, 'dist', file))) throw new Error(`dist/${file} is missing after the build`);
  }

  const relay = await startRelay();
  process.env.PEERTREE_E2E_URL = relay.url;
  process.env.PEERTREE_E2E_RELAY_ID = relay.id;

  // Fail here, with the relay's own output, rather than in every test.
  // Bounded: at most 75 tries of at most 5 s each, and 15 s in all.
  const deadline = Date.now() + 15_000;
  for (let attempt = 0; (await fetchStatus(relay.url)) === null; attempt++) {
    if (Date.now() > deadline || attempt >= 75) {
      await relay.stop();
      throw new Error(`relay at ${relay.url} never answered /api/status\n--- relay output ---\n${relay.log()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return async () => {
    await relay.stop();
  };
}
