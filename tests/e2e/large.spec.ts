// A 200 MiB file stored from the browser: the page stays responsive and its JS heap stays bounded while the
// worker seals the file and the outbox sends it; `peertree get` returns the same bytes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { runCli } from './support/cli.ts';
import { MiB, sha256File, writeRandomFile } from './support/big-file.ts';

const SIZE = 200 * MiB;

test('a 200 MiB file is stored with a bounded page heap and a responsive page', async ({ page, relay }) => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-large-'));
  try {
    // Random content written in 8 MiB pieces (Playwright streams files given by path to Chromium).
    const input = join(dir, 'big.bin');
    writeRandomFile(input, SIZE);

    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
    };
    await cdp.send('HeapProfiler.collectGarbage');
    const before = await heap();

    // Event-loop lag on the page: the longest gap between 50 ms timer ticks.
    await page.evaluate(() => {
      const w = window as unknown as { maxLag: number };
      w.maxLag = 0;
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.maxLag = Math.max(w.maxLag, now - last - 50);
        last = now;
      }, 50);
    });

    await page.locator('input[type=file]').setInputFiles(input);
    const row = page.locator('[data-testid=file-row][data-name="big.bin"]');
    let peak = before;
    const deadline = Date.now() + 120_000;
    while ((await row.getAttribute('data-status')) !== 'stored') {
      expect(await row.getAttribute('data-status')).not.toBe('error');
      expect(Date.now()).toBeLessThan(deadline);
      peak = Math.max(peak, await heap());
      await page.waitForTimeout(250);
    }
    const maxLag = await page.evaluate(() => (window as unknown as { maxLag: number }).maxLag);
    console.log(
      `heap before ${(before / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB; longest event-loop stall ${maxLag.toFixed(0)} ms`,
    );
    // The file is 200 MiB; the page never holds more than a few shards of it.
    expect(peak - before).toBeLessThan(48 * MiB);
    expect(maxLag).toBeLessThan(1_000);

    const out = join(dir, 'out.bin');
    const got = await runCli(
      ['get', (await row.getAttribute('data-capability'))!, '--relay', relay.url, '-o', out],
      90_000,
    );
    expect(got.code, got.stderr).toBe(0);
    expect(await sha256File(out)).toBe(await sha256File(input));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
