// Accessibility: axe-core (injected from the devDependency) finds no violation on the files list, the photo
// grid in select mode, the viewer, the albums screen, the open view and the device view, in light and dark.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { canvasPhotos, jpegFiles } from './support/canvas-photos.ts';
import { expect, test } from './support/fixtures.ts';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/** The violations axe finds on the page as it is now (id, and the first nodes, for a readable failure). */
async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
  )) as AxeResult;
  return result.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(', ')}`,
  );
}

for (const scheme of ['light', 'dark'] as const) {
  test(`axe finds no violation on the main screens (${scheme})`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const jpegs = await canvasPhotos(
      page,
      [10, 140].map((hue) => ({ width: 320, height: 240, hue })),
    );
    await page
      .locator('input[type=file]')
      .setInputFiles([
        ...jpegFiles(jpegs, (i) => `a${i}.jpg`),
        { name: 'notes.txt', mimeType: 'text/plain', buffer: randomBytes(500) },
      ]);
    await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(3, { timeout: 45_000 });
    await expect(page.locator('[data-testid=file-row][data-thumb=shown]')).toHaveCount(2, { timeout: 20_000 });
    const found: Record<string, string[]> = {};
    found['files'] = await violations(page);

    await page.getByTestId('select-mode').click();
    await page.locator('[data-testid=file-row][data-name="a0.jpg"]').getByTestId('file-select').check();
    found['grid, select mode'] = await violations(page);
    await page.getByTestId('select-album').click();
    found['add to album'] = await violations(page);
    await page.getByTestId('album-dialog').getByLabel('New album').fill('Trip');
    await page.getByTestId('album-create').click();
    await expect(page.getByTestId('select-bar')).toBeHidden();

    await page.locator('[data-testid=file-row][data-name="a1.jpg"]').getByTestId('file-view').click();
    await expect(page.getByTestId('viewer-stage')).toHaveAttribute('data-state', 'shown');
    await page.getByTestId('viewer-info').click();
    found['viewer'] = await violations(page);
    await page.keyboard.press('Escape');

    await page.goto('/#/albums');
    await expect(page.getByTestId('album-card')).toHaveCount(1);
    found['albums'] = await violations(page);
    await page.getByTestId('album-card').click();
    await expect(page.getByTestId('album-item')).toHaveCount(1);
    found['album'] = await violations(page);

    const cap = await page.locator('[data-testid=file-row][data-name="notes.txt"]').getAttribute('data-capability');
    await page.goto(`/#/open/${cap}`);
    await expect(page.getByTestId('open-view')).toHaveAttribute('data-state', 'ready');
    found['open'] = await violations(page);

    await page.goto('/#/device');
    await expect(page.getByTestId('device-node-id')).not.toBeEmpty();
    found['device'] = await violations(page);

    expect(found).toEqual({
      files: [],
      'grid, select mode': [],
      'add to album': [],
      viewer: [],
      albums: [],
      album: [],
      open: [],
      device: [],
    });
  });
}
