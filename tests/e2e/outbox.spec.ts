// The outbox: files added with no relay reachable are `queued`, and delivered once a relay is reachable again,
// also when the page that queued them was closed in between.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { runCli } from './support/cli.ts';
import { startRelay } from './support/relay.ts';

test('a file added while the browser is offline is queued, then stored once it is back online', async ({
  page,
  context,
  relay,
}) => {
  await page.goto('/');
  const connection = page.getByTestId('connection');
  await expect(connection).toHaveAttribute('data-socket', 'ready');
  await context.setOffline(true);
  await expect(connection).toHaveAttribute('data-state', 'offline');

  const bytes = randomBytes(1024 * 1024 + 77);
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'offline.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
  const row = page.locator('[data-testid=file-row][data-name="offline.bin"]');
  await expect(row).toHaveAttribute('data-status', 'queued');
  // Still queued a while later: nothing is sent (or pretended) while offline.
  await page.waitForTimeout(1_500);
  await expect(row).toHaveAttribute('data-status', 'queued');
  await expect(row).not.toHaveAttribute('data-capability', /.*/);
  expect(
    await page.evaluate(() => document.querySelectorAll('[data-testid=file-row] progress:not([hidden])').length),
  ).toBe(0);

  await context.setOffline(false);
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
  const capability = await row.getAttribute('data-capability');
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-outbox-'));
  try {
    const got = await runCli(['get', capability!, '--relay', relay.url, '-o', join(dir, 'out.bin')]);
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.bin')).equals(bytes)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files queued while the relay is down are delivered by a page reopened after the relay is back', async ({
  browser,
}) => {
  const own = await startRelay();
  const context = await browser.newContext({ baseURL: own.url });
  let relay = own;
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-reopen-'));
  try {
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('app')).toHaveAttribute('data-sw', 'ready', { timeout: 20_000 });
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');

    // The relay goes away (keeping its data folder and port).
    const { port, dataDir } = relay;
    relay.process.kill('SIGTERM');
    await new Promise((r) => relay.process.once('exit', r));
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'offline', { timeout: 15_000 });

    const a = randomBytes(300_000);
    const b = randomBytes(1024 * 1024 * 2 + 5);
    await page.locator('input[type=file]').setInputFiles([
      { name: 'a.bin', mimeType: 'application/octet-stream', buffer: a },
      { name: 'b.bin', mimeType: 'application/octet-stream', buffer: b },
    ]);
    await expect(page.locator('[data-testid=file-row][data-status=queued]')).toHaveCount(2);
    await page.close();

    relay = await startRelay({ port, dataDir });
    const reopened = await context.newPage();
    await reopened.goto('/');
    const rows = reopened.getByTestId('file-row');
    await expect(rows).toHaveCount(2);
    await expect(reopened.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(2, { timeout: 30_000 });
    for (const [name, bytes] of [
      ['a.bin', a],
      ['b.bin', b],
    ] as const) {
      const capability = await reopened
        .locator(`[data-testid=file-row][data-name="${name}"]`)
        .getAttribute('data-capability');
      const out = join(dir, name);
      const got = await runCli(['get', capability!, '--relay', relay.url, '-o', out]);
      expect(got.code, got.stderr).toBe(0);
      expect(readFileSync(out).equals(bytes)).toBe(true);
    }
  } finally {
    await context.close();
    await relay.stop();
    rmSync(own.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
