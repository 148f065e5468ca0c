// The library follows the person: a key backup restored in a fresh browser brings back every file (stored,
// same capability, identical bytes) from the encrypted library on relays; and an upload made while the relay
// is down ends stored once it is back, with no click.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { startRelay } from './support/relay.ts';

const PASSPHRASE = 'library passphrase 2024';

async function downloadBytes(page: Page, capability: string): Promise<Buffer> {
  await page.goto(`/#/open/${capability}`);
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('download').click();
  return readFileSync((await (await downloadEvent).path())!);
}

test('a backup restored in a fresh browser brings back every file, stored, with identical bytes', async ({
  page,
  browser,
  relay,
}) => {
  // Two relay round trips per file plus a library version on a loaded machine: more than the default 30 s.
  test.setTimeout(90_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const files = [
    { name: 'notes.txt', mimeType: 'text/plain', buffer: randomBytes(5_000) },
    { name: 'video.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1024 * 1024 + 333) },
  ];
  await page.locator('input[type=file]').setInputFiles(files);
  await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(2, { timeout: 30_000 });
  const caps = new Map<string, string>();
  for (const f of files)
    caps.set(
      f.name,
      (await page.locator(`[data-testid=file-row][data-name="${f.name}"]`).getAttribute('data-capability'))!,
    );
  // The list is published (debounced) once the files are stored.
  await expect(page.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  await expect(page.getByTestId('library-sync')).not.toHaveAttribute('data-detail', 'empty');

  await page.goto('/#/device');
  await page.getByTestId('export-passphrase').fill(PASSPHRASE);
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('export-key').click();
  const backupPath = (await (await downloadEvent).path())!;
  const backup = JSON.parse(readFileSync(backupPath, 'utf8')) as { v: number; library?: { data: string } };
  expect(backup.v).toBe(2);
  expect(backup.library?.data).toMatch(/^[A-Za-z0-9_-]{64}$/); // 32-byte key + 16-byte tag, encrypted

  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const b = await other.newPage();
    await b.goto('/');
    await expect(b.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    await expect(b.getByTestId('file-row')).toHaveCount(0);
    await b.goto('/#/device');
    const chooser = b.waitForEvent('filechooser');
    await b.getByTestId('import-choose').click();
    await (await chooser).setFiles(backupPath);
    await b.getByTestId('import-confirm').check();
    await b.getByTestId('import-passphrase').fill(PASSPHRASE);
    await b.getByTestId('import-key').click();
    await expect(b.getByTestId('import-status')).toHaveAttribute('data-node-id', /.+/);
    // After the reload: no further action, the files appear as stored rows with their capabilities.
    await b.waitForEvent('load', { timeout: 15_000 });
    await b.goto('/#/');
    for (const f of files) {
      const row = b.locator(`[data-testid=file-row][data-name="${f.name}"]`);
      await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
      await expect(row).toHaveAttribute('data-capability', caps.get(f.name)!);
    }
    await expect(b.getByTestId('file-row')).toHaveCount(2);
    for (const f of files) expect((await downloadBytes(b, caps.get(f.name)!)).equals(f.buffer)).toBe(true);
  } finally {
    await other.close();
  }
});

test('a file added while the relay is down ends stored once it is back, with no click', async ({ browser }) => {
  // The relay is stopped and started again, and the socket reconnects with backoff: more than 30 s under load.
  test.setTimeout(120_000);
  let relay = await startRelay();
  const { port, dataDir } = relay;
  const context = await browser.newContext({ baseURL: relay.url });
  try {
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    relay.process.kill('SIGTERM');
    await new Promise((r) => relay.process.once('exit', r));
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'offline', { timeout: 20_000 });

    const bytes = randomBytes(700_000);
    await page
      .locator('input[type=file]')
      .setInputFiles([{ name: 'while-down.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
    const row = page.locator('[data-testid=file-row][data-name="while-down.bin"]');
    await expect(row).toHaveAttribute('data-status', 'queued');
    await expect(row.getByTestId('file-detail')).toContainText('relay');
    await page.waitForTimeout(1_000);
    await expect(row).toHaveAttribute('data-status', 'queued');

    relay = await startRelay({ port, dataDir });
    await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 60_000 });
    const capability = (await row.getAttribute('data-capability'))!;
    expect((await downloadBytes(page, capability)).equals(bytes)).toBe(true);
  } finally {
    await context.close();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
