// Adding files: each becomes a `[data-testid=file-row]` with its name and status, sealed on this device.
import { randomBytes } from 'node:crypto';
import { FileEncoder } from '../../core/storage/file-codec.ts';
import { expect, test } from './support/fixtures.ts';

/** The PeerTree file hash (manifest `hash`) of `bytes`, computed in Node with core/. */
async function fileHashOf(bytes: Buffer): Promise<string> {
  const encoder = await FileEncoder.create({ name: 'x', public: true });
  for (let o = 0; o < bytes.length; o += encoder.shardSize)
    await encoder.addShard(bytes.subarray(o, o + encoder.shardSize));
  return (await encoder.finish()).manifest.hash;
}

test('files added through the picker are sealed, queued and stored, with the file hash core computes', async ({
  page,
}) => {
  await page.goto('/');
  const note = Buffer.from('PeerTree keeps this note.\n', 'utf8');
  // Larger than one 1 MiB slice, so the file hash spans several shards.
  const photo = randomBytes(2 * 1024 * 1024 + 12345);
  await page.locator('input[type=file]').setInputFiles([
    { name: 'note.txt', mimeType: 'text/plain', buffer: note },
    { name: 'holiday photo.jpg', mimeType: 'image/jpeg', buffer: photo },
  ]);

  const rows = page.getByTestId('file-row');
  await expect(rows).toHaveCount(2);
  for (const [name, bytes] of [
    ['note.txt', note],
    ['holiday photo.jpg', photo],
  ] as const) {
    const row = page.locator(`[data-testid=file-row][data-name="${name}"]`);
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
    await expect(row).toHaveAttribute('data-file-hash', await fileHashOf(bytes));
    await expect(row).toHaveAttribute('data-capability', /^pt1\./);
  }
  // Reloading keeps the list (IndexedDB), statuses and capabilities included.
  await page.reload();
  await expect(rows).toHaveCount(2);
  await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(2);
});

test('an empty file and a file name with markup are shown safely', async ({ page }) => {
  await page.goto('/');
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: '<img src=x onerror=alert(1)>.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
  const row = page.getByTestId('file-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-file-hash', await fileHashOf(Buffer.alloc(0)));
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
  await expect(row.locator('img')).toHaveCount(0);
  await expect(row).toContainText('<img src=x onerror=alert(1)>.txt');
});
