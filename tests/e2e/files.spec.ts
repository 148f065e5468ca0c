// Adding files: each becomes a `[data-testid=file-row]` with its name, status `local` and its SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from './support/fixtures.ts';

const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

test('two files added through the picker appear as two local rows with their hashes', async ({ page }) => {
  await page.goto('/');
  const note = Buffer.from('PeerTree keeps this note.\n', 'utf8');
  // Larger than one 1 MiB slice, so the incremental whole-file hash spans several slices.
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
    await expect(row).toHaveAttribute('data-status', 'local');
    await expect(row).toHaveAttribute('data-sha256', sha256Hex(bytes));
    // No capability until the file is stored on the tree (uploading is not built yet).
    await expect(row).not.toHaveAttribute('data-capability', /.*/);
  }
  // Only honest statuses exist in this version.
  const statuses = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  expect(statuses).toEqual(['local', 'local']);
});

test('an empty file and a file name with markup are shown safely', async ({ page }) => {
  await page.goto('/');
  await page.locator('input[type=file]').setInputFiles([{ name: '<img src=x onerror=alert(1)>.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
  const row = page.getByTestId('file-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-sha256', sha256Hex(Buffer.alloc(0)));
  await expect(row.locator('img')).toHaveCount(0);
  await expect(row).toContainText('<img src=x onerror=alert(1)>.txt');
});
