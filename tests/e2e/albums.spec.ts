// Albums follow the person: an album made on device A from a selection shows on device B (same identity, from a
// key backup) with its files; a file removed from it on B is gone from it on A too.
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { openSecondDevice } from './support/second-device.ts';

const PASSPHRASE = 'albums passphrase 2024';

async function synced(page: Page): Promise<void> {
  await expect(page.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
}

test('an album made on A from a selection shows on B, and a removal on B shows on A', async ({
  page,
  browser,
  relay,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const names = ['beach.txt', 'dunes.txt', 'taxes.txt'];
  await page
    .locator('input[type=file]')
    .setInputFiles(names.map((name) => ({ name, mimeType: 'text/plain', buffer: randomBytes(2_000) })));
  await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(3, { timeout: 45_000 });

  await page.goto('/#/albums');
  await expect(page.getByTestId('albums-empty')).toBeVisible();
  await page.goto('/#/');
  await page.getByTestId('select-mode').click();
  for (const name of ['beach.txt', 'dunes.txt'])
    await page.locator(`[data-testid=file-row][data-name="${name}"]`).getByTestId('file-select').check();
  await page.getByTestId('select-album').click();
  const dialog = page.getByTestId('album-dialog');
  await expect(dialog).toContainText('Add 2 files to an album');
  await dialog.getByLabel('New album').fill('Holiday');
  await dialog.getByTestId('album-create').click();
  await expect(page.getByTestId('album-status')).toContainText('Added 2 files to Holiday');
  await expect(page.getByTestId('select-bar')).toBeHidden();
  await page.getByTestId('album-status-open').click();
  await expect(page.getByTestId('album-title')).toHaveText('Holiday');
  await expect(page.getByTestId('album-item')).toHaveCount(2);
  await expect(page.locator('[data-testid=album-item][data-name="beach.txt"]')).toHaveCount(1);
  // Adding one more to the same album from the selection picks the existing album.
  await page.goto('/#/');
  await page.getByTestId('select-mode').click();
  await page.locator('[data-testid=file-row][data-name="taxes.txt"]').getByTestId('file-select').check();
  await page.getByTestId('select-album').click();
  await page.getByTestId('album-dialog').locator('[data-testid=album-choice][data-name="Holiday"]').click();
  await expect(page.getByTestId('album-status')).toContainText('Added 1 file to Holiday');
  await page.goto('/#/albums');
  const cardA = page.locator('[data-testid=album-card][data-kind=album][data-name="Holiday"]');
  await expect(cardA).toHaveAttribute('data-count', '3');
  await page.goto('/#/');
  await synced(page);
  await expect(page.getByTestId('library-sync')).not.toHaveAttribute('data-detail', 'empty');

  const { context: other, b } = await openSecondDevice(page, browser, relay.url, PASSPHRASE);
  try {
    await b.goto('/#/albums');
    const cardB = b.locator('[data-testid=album-card][data-kind=album][data-name="Holiday"]');
    await expect(cardB).toHaveAttribute('data-count', '3', { timeout: 30_000 });
    await cardB.click();
    await expect(b.getByTestId('album-title')).toHaveText('Holiday');
    for (const name of names)
      await expect(b.locator(`[data-testid=album-item][data-name="${name}"]`)).toHaveCount(1, { timeout: 30_000 });
    await b.locator('[data-testid=album-item][data-name="taxes.txt"]').getByTestId('album-item-remove').click();
    await expect(b.getByTestId('album-item')).toHaveCount(2);
    // The file itself stays in Your files.
    await b.goto('/#/');
    await expect(b.locator('[data-testid=file-row][data-name="taxes.txt"]')).toHaveAttribute('data-status', 'stored');
    await synced(b);

    // A follows (it reads the head every few seconds while visible).
    await page.goto('/#/albums');
    await expect(cardA).toHaveAttribute('data-count', '2', { timeout: 30_000 });
    // A file deleted on A leaves the album too, on A and on B.
    await page.goto('/#/');
    await page.locator('[data-testid=file-row][data-name="dunes.txt"]').getByTestId('file-delete').click();
    await page.getByTestId('delete-dialog').getByTestId('delete-local').click();
    await expect(page.locator('[data-testid=file-row][data-name="dunes.txt"]')).toHaveCount(0);
    await page.goto('/#/albums');
    await expect(cardA).toHaveAttribute('data-count', '1');
    await b.goto('/#/albums');
    await expect(cardB).toHaveAttribute('data-count', '1', { timeout: 30_000 });
  } finally {
    await other.close();
  }
});
