// Multi-select: choose several files (the Select button or a long press), share their links as one list, and
// delete them after one confirm; the deleted ones stay gone after a reload, the others stay.
import { randomBytes } from 'node:crypto';
import { expect, test } from './support/fixtures.ts';

test('select 3 of 5 files, share their links, delete them: gone after a reload, the other 2 stay', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const names = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'];
  await page
    .locator('input[type=file]')
    .setInputFiles(names.map((name) => ({ name, mimeType: 'text/plain', buffer: randomBytes(3_000) })));
  await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(5, { timeout: 45_000 });
  const row = (name: string) => page.locator(`[data-testid=file-row][data-name="${name}"]`);

  // Outside select mode no checkbox shows; the Select button turns it on from the keyboard.
  await expect(page.getByTestId('file-select').first()).toBeHidden();
  await page.getByTestId('select-mode').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('select-bar')).toBeVisible();
  await expect(page.getByTestId('select-count')).toHaveText('0 selected');
  for (const name of ['a.txt', 'c.txt', 'e.txt']) await row(name).getByTestId('file-select').check();
  await expect(page.getByTestId('select-count')).toHaveText('3 selected');
  await expect(row('c.txt')).toHaveAttribute('data-selected', 'true');
  await expect(row('b.txt')).toHaveAttribute('data-selected', 'false');

  // Share: one link per file, as one list to copy.
  await page.getByTestId('select-share').click();
  const list = page.getByTestId('share-many-list');
  await expect(list).toHaveAttribute('data-count', '3');
  const text = await list.inputValue();
  for (const name of ['a.txt', 'c.txt', 'e.txt']) {
    const cap = await row(name).getAttribute('data-capability');
    expect(text).toContain(`${name}: `);
    expect(text).toContain(`/#/open/${encodeURIComponent(cap!)}`);
  }
  expect(text).not.toContain('b.txt');
  await page.getByTestId('share-many-dialog').getByRole('button', { name: 'Close' }).click();

  // Escape leaves select mode and forgets the choice; a long press on a file starts it again with that file.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('select-bar')).toBeHidden();
  await row('b.txt').scrollIntoViewIfNeeded();
  const box = (await row('b.txt').locator('.file-meta').boundingBox())!;
  await page.mouse.move(box.x + 5, box.y + box.height / 2);
  await page.mouse.down();
  await expect(page.getByTestId('select-bar')).toBeVisible();
  await page.mouse.up();
  await expect(page.getByTestId('select-count')).toHaveText('1 selected');
  await expect(row('b.txt')).toHaveAttribute('data-selected', 'true');
  await row('b.txt').getByTestId('file-select').uncheck();
  for (const name of ['a.txt', 'c.txt', 'e.txt']) await row(name).getByTestId('file-select').check();
  await expect(page.getByTestId('select-count')).toHaveText('3 selected');

  // Delete: one confirm for all three.
  await page.getByTestId('select-delete').click();
  const dialog = page.getByTestId('delete-dialog');
  await expect(dialog).toHaveAttribute('data-count', '3');
  await expect(dialog).toContainText('Delete 3 files?');
  await dialog.getByTestId('delete-everywhere').click();
  await expect(page.getByTestId('file-row')).toHaveCount(2);
  await expect(page.getByTestId('select-bar')).toBeHidden();
  await expect(page.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });

  await page.reload();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  await expect(page.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  await expect(page.getByTestId('file-row')).toHaveCount(2);
  await expect(row('b.txt')).toHaveAttribute('data-status', 'stored');
  await expect(row('d.txt')).toHaveAttribute('data-status', 'stored');
});
