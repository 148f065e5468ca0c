// Screenshots of the main views at phone and laptop sizes, kept as test artifacts (test-results/…/*.png).
import { randomBytes } from 'node:crypto';
import { expect, test } from './support/fixtures.ts';

const SIZES = [
  { name: 'phone', width: 375, height: 780 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;

for (const size of SIZES) {
  test(`main views at ${size.name} size`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    await page.locator('input[type=file]').setInputFiles([
      { name: 'Holiday in Lisbon.jpg', mimeType: 'image/jpeg', buffer: randomBytes(700_000) },
      { name: 'Tax return 2025.pdf', mimeType: 'application/pdf', buffer: randomBytes(120_000) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Buy bread.\nCall Ana about the boat.\n') },
    ]);
    await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(3, { timeout: 20_000 });
    const shot = async (name: string): Promise<void> => {
      const path = testInfo.outputPath(`${size.name}-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(`${size.name}-${name}`, { path, contentType: 'image/png' });
    };
    await shot('files');

    await page.locator('[data-testid=file-row][data-name="notes.txt"]').getByTestId('file-open').click();
    await expect(page.getByTestId('open-view')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('ledger-panel')).toHaveAttribute('data-state', 'ready');
    await shot('open');

    await page.goto('/#/');
    await page.locator('[data-testid=file-row][data-name="notes.txt"]').getByTestId('file-share').click();
    await expect(page.getByTestId('share-dialog')).toBeVisible();
    await shot('share');
    await page.keyboard.press('Escape');

    // Select mode with its bar, then the album made from it.
    await page.getByTestId('select-mode').click();
    for (const name of ['notes.txt', 'Tax return 2025.pdf'])
      await page.locator(`[data-testid=file-row][data-name="${name}"]`).getByTestId('file-select').check();
    await shot('select');
    await page.getByTestId('select-album').click();
    await page.getByTestId('album-dialog').getByLabel('New album').fill('Paperwork');
    await page.getByTestId('album-create').click();
    await page.getByTestId('album-status-open').click();
    await expect(page.getByTestId('album-item')).toHaveCount(2);
    await shot('album');

    await page.goto('/#/search/boat');
    await expect(page.getByTestId('search-status')).toHaveAttribute('data-state', /^(done|error)$/, {
      timeout: 20_000,
    });
    await shot('search');

    await page.goto('/#/network');
    await expect(page.getByTestId('tree-node')).toHaveCount(1);
    await shot('network');

    await page.goto('/#/device');
    await expect(page.getByTestId('storage-usage')).toContainText('used of');
    await shot('device');
  });
}
