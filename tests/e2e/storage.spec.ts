// Storing and opening files through a real relay: browser → relay → CLI, CLI → relay → browser.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { capabilityFrom, runCli } from './support/cli.ts';

const CAPABILITY_RE = /^pt1\.[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/;

test.describe.configure({ mode: 'parallel' });

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-files-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a file put in the browser is stored on the tree, and `peertree get` returns its exact bytes', async ({
  page,
  relay,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  // Several shards, the last one short.
  const bytes = randomBytes(3 * 1024 * 1024 + 4321);
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'report.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
  const row = page.locator('[data-testid=file-row][data-name="report.bin"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
  // A lone relay: the app asks for min(replicas, tree size) = 1 and shows what the relay acknowledged.
  await expect(row).toHaveAttribute('data-replicas', '1');
  await expect(row.getByTestId('file-badge')).toHaveText('Stored ×1');
  const capability = await row.getAttribute('data-capability');
  expect(capability).toMatch(CAPABILITY_RE);

  const out = join(dir, 'from-browser.bin');
  const got = await runCli(['get', capability!, '--relay', relay.url, '-o', out]);
  expect(got.code, got.stderr).toBe(0);
  expect(readFileSync(out).equals(bytes)).toBe(true);

  // The relay holds the shards: 4 data shards and the manifest.
  const status = (await (await fetch(`${relay.url}/api/status`)).json()) as { shards: number };
  expect(status.shards).toBeGreaterThanOrEqual(5);
});

test('a file put with the CLI opens at #/open/CAPABILITY and downloads its exact bytes; it stays available offline', async ({
  page,
  context,
  relay,
}) => {
  const bytes = randomBytes(2 * 1024 * 1024 + 99);
  const file = join(dir, 'holiday.bin');
  writeFileSync(file, bytes);
  const capability = capabilityFrom(await runCli(['put', file, '--relay', relay.url, '--replicas', '1']));

  await page.goto(`/#/open/${capability}`);
  const view = page.getByTestId('open-view');
  await expect(view).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect(view).toHaveAttribute('data-name', 'holiday.bin');
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('download').click();
  const download = await downloadEvent;
  expect(download.suggestedFilename()).toBe('holiday.bin');
  expect(readFileSync((await download.path())!).equals(bytes)).toBe(true);

  // Kept for offline use: with the network gone, the same link opens from IndexedDB.
  await expect(page.getByTestId('app')).toHaveAttribute('data-sw', 'ready', { timeout: 20_000 });
  await context.setOffline(true);
  await page.reload();
  await expect(view).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  const again = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect(readFileSync((await (await again).path())!).equals(bytes)).toBe(true);
  await context.setOffline(false);
});

test('previews: an image shows as an image, text as text', async ({ page, relay }) => {
  // A 1×1 PNG.
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const pngFile = join(dir, 'dot.png');
  writeFileSync(pngFile, png);
  const textFile = join(dir, 'note.txt');
  writeFileSync(textFile, 'Hello from <b>PeerTree</b>\n');
  const pngCap = capabilityFrom(await runCli(['put', pngFile, '--relay', relay.url, '--replicas', '1']));
  const textCap = capabilityFrom(await runCli(['put', textFile, '--relay', relay.url, '--replicas', '1']));

  await page.goto(`/#/open/${pngCap}`);
  const img = page.getByTestId('preview').locator('img[data-kind=image]');
  await expect(img).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(1);

  await page.goto(`/#/open/${textCap}`);
  const pre = page.getByTestId('preview').locator('pre[data-kind=text]');
  await expect(pre).toHaveText('Hello from <b>PeerTree</b>\n', { timeout: 20_000 });
  await expect(pre.locator('b')).toHaveCount(0);
});

test('share shows the link and a QR code; delete with signed releases removes the file from the relay too', async ({
  page,
  relay,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const bytes = randomBytes(1024 * 1024 + 10);
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'secret.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
  const row = page.locator('[data-testid=file-row][data-name="secret.bin"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
  const capability = (await row.getAttribute('data-capability'))!;
  const manifestHash = capability.split('.')[1]!;
  expect((await fetch(`${relay.url}/api/shards/${manifestHash}`)).status).toBe(200);

  await row.getByTestId('file-share').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('share-link')).toHaveValue(`${relay.url}/#/open/${capability}`);
  await expect(dialog.getByTestId('share-qr')).toHaveAttribute('data-modules', /^\d+$/);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);

  await row.getByTestId('file-delete').click();
  await page.getByTestId('delete-everywhere').click();
  await expect(row).toHaveCount(0);
  // The releases are signed with this browser's key (the pins' owner), so the relay drops the shards.
  await expect
    .poll(async () => (await fetch(`${relay.url}/api/shards/${manifestHash}`)).status, { timeout: 15_000 })
    .toBe(404);
  const got = await runCli(['get', capability, '--relay', relay.url, '-o', join(dir, 'deleted.bin')]);
  expect(got.code).not.toBe(0);
});
