// Progress that tells: opening a large link shows percent (with speed and time left once measured) and Cancel;
// a cancel (while shard reads are held, so the fetch is surely in progress) stops the fetch and leaves nothing
// on this device (no row, no cached piece); several uploads at once get one summary line; a row's Download has
// its own line.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page, Route } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { capabilityFrom, runCli } from './support/cli.ts';
import { storeCount } from './support/idb-count.ts';

/** How many shards this page's IndexedDB cache holds. */
const cachedShards = (page: Page): Promise<number> => storeCount(page, 'shards');

/** Shard reads let through before the gate holds the rest (the manifest and the first pieces). */
const SHARDS_LET_THROUGH = 3;
const SHARD_URLS = '**/api/shards/**';

/**
 * Holds every shard read over HTTP after the first few until `release`, so a fetch is provably still in
 * progress while the test acts on it (no race with a fast loopback relay). Covers the page and its worker.
 */
async function holdShardReads(context: BrowserContext): Promise<{ held(): number; release(): Promise<void> }> {
  let seen = 0;
  let open = false;
  const held: Route[] = [];
  await context.route(SHARD_URLS, async (route) => {
    seen++;
    if (open || seen <= SHARDS_LET_THROUGH) return route.continue();
    held.push(route);
  });
  return {
    held: () => held.length,
    release: async () => {
      open = true;
      // A held read the page has aborted meanwhile can no longer be continued; that is fine.
      await Promise.all(held.splice(0).map((r) => r.continue().catch(() => undefined)));
      await context.unroute(SHARD_URLS);
    },
  };
}

test('cancel stops opening a large file, and nothing of it stays on this device', async ({ page, relay }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-dl-'));
  try {
    const file = join(dir, 'film.bin');
    writeFileSync(file, randomBytes(64 * 1024 * 1024));
    const capability = capabilityFrom(await runCli(['put', file, '--relay', relay.url, '--replicas', '1'], 90_000));
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    expect(await cachedShards(page)).toBe(0);

    const gate = await holdShardReads(page.context());
    await page.goto(`/#/open/${capability}`);
    const view = page.getByTestId('open-view');
    await expect(page.getByTestId('open-progress')).toHaveText(/^Fetching \d+%/, { timeout: 20_000 });
    // Pieces are held at the gate: the fetch cannot have finished when Cancel is clicked.
    await expect.poll(() => gate.held(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect(view).not.toHaveAttribute('data-state', 'ready');
    await page.getByTestId('open-cancel').click();
    // The held reads end only now, after the cancel, as a slow relay's would; the view says "cancelled" once
    // the reads in flight have ended and what they cached is deleted again.
    await gate.release();
    await expect(view).toHaveAttribute('data-state', 'cancelled');
    await expect(page.getByTestId('open-status')).toHaveText(/Nothing of this file was saved/);
    await expect(page.getByTestId('download')).toHaveCount(0);
    // The pieces fetched before the cancel are deleted again once the fetches in flight have ended.
    await expect.poll(() => cachedShards(page), { timeout: 20_000 }).toBe(0);
    await page.goto('/#/');
    await expect(page.locator('[data-testid=file-row][data-name="film.bin"]')).toHaveCount(0);

    // Fetching again works to the end, with the speed and time left on the way.
    await page.goto(`/#/open/${capability}`);
    await expect(page.getByTestId('open-progress')).toHaveText(/^Fetching \d+% · .+\/s/, { timeout: 20_000 });
    await expect(view).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(page.getByTestId('download')).toBeVisible();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('several uploads at once show one summary line: n of m files, percent, then it goes', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  await page.locator('input[type=file]').setInputFiles([
    { name: 'one.bin', mimeType: 'application/octet-stream', buffer: randomBytes(24 * 1024 * 1024) },
    { name: 'two.bin', mimeType: 'application/octet-stream', buffer: randomBytes(24 * 1024 * 1024) },
  ]);
  const summary = page.getByTestId('upload-summary');
  await expect(summary).toBeVisible({ timeout: 20_000 });
  await expect(summary).toHaveText(/^Uploading [0-2] of 2 files · \d+%/);
  await expect(summary).toHaveAttribute('data-total', '2');
  await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(2, { timeout: 60_000 });
  await expect(summary).toBeHidden();
});

test("a row's Download shows its line on the files page and saves the file", async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const bytes = randomBytes(300_000);
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'report.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
  const row = page.locator('[data-testid=file-row][data-name="report.bin"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
  const download = page.waitForEvent('download');
  await row.getByTestId('file-download').click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('report.bin');
  expect(readFileSync((await saved.path())!).equals(bytes)).toBe(true);
  await expect(page.locator('[data-testid=download-line][data-name="report.bin"]')).toHaveAttribute(
    'data-state',
    'done',
  );
});
