// Suite 8 (browser part): the PWA's JS heap (Chromium, through the DevTools protocol) while it stores one
// large file through a loopback relay. Uses Debian's Chromium (PEERTREE_CHROMIUM) and the built PWA in dist/
// (built with `vite build` first when missing).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, requireChromium } from '../tests/support/chromium.ts';
import { MiB, REPO, sleep, startRelay, tempDir, writeRandomFile } from './cluster.ts';

export interface BrowserFigures {
  sizeMiB: number;
  heapBefore: number;
  heapPeak: number;
  heapGrowth: number;
}

/**
 * Builds the PWA into dist/ with `vite build` when it is missing (bounded: 5 minutes). NODE_ENV is set to
 * production: under Vitest (bench --quick in npm test) it is `test`, and Vite then builds a bundle whose
 * `import.meta.env.PROD` is false, which registers no service worker.
 */
export function ensureDist(): void {
  if (existsSync(join(REPO, 'dist', 'index.html'))) return;
  const built = spawnSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
    cwd: REPO,
    stdio: 'ignore',
    timeout: 300_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (built.status !== 0) throw new Error('vite build failed');
}

export async function browserSuite(opts: { sizeMiB: number; timeoutMs?: number }): Promise<BrowserFigures> {
  const executablePath = requireChromium();
  ensureDist();
  const relay = await startRelay(tempDir('browser'), ['--http']);
  const work = tempDir('browser-files');
  const input = join(work, 'big.bin');
  await writeRandomFile(input, opts.sizeMiB * MiB);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(relay.ready.url + '/');
    await page.locator('[data-testid=connection][data-state=online]').waitFor({ timeout: 30_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
    };
    await cdp.send('HeapProfiler.collectGarbage');
    const before = await heap();
    await page.locator('input[type=file]').setInputFiles(input);
    const row = page.locator('[data-testid=file-row][data-name="big.bin"]');
    let peak = before;
    const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
    for (;;) {
      const state = await row.getAttribute('data-status', { timeout: 10_000 }).catch(() => null);
      peak = Math.max(peak, await heap());
      if (state === 'stored') break;
      if (state === 'error') throw new Error('the PWA reported an error storing the file');
      if (Date.now() > deadline) throw new Error(`the PWA did not store ${opts.sizeMiB} MiB in time (status ${state})`);
      await sleep(200);
    }
    return { sizeMiB: opts.sizeMiB, heapBefore: before, heapPeak: peak, heapGrowth: peak - before };
  } finally {
    await browser.close();
  }
}
