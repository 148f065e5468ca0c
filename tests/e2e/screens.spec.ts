// Pictures of the main views (phone and laptop, light and dark) with real content: canvas photos with EXIF
// dates, a PDF, a text file and an album. Always test artifacts; with PEERTREE_UPDATE_SCREENS=1 a chosen few
// are also written as JPEGs into docs/screens/ (pictured in docs/pwa.md), like an update-snapshots switch.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { canvasPhotos, jpegFiles } from './support/canvas-photos.ts';
import { REPO_ROOT } from './support/relay.ts';

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;

type Scheme = 'light' | 'dark';

/** The shots committed to docs/screens/ (`<size>-<scheme>-<screen>.jpg`): few, so the repository stays small. */
const DOC_SHOTS: ReadonlySet<string> = new Set([
  'phone-light-grid',
  'phone-light-viewer',
  'phone-light-files',
  'phone-light-select',
  'phone-light-album',
  'phone-light-open',
  'phone-dark-grid',
  'phone-dark-viewer',
  'laptop-light-grid',
  'laptop-light-viewer',
  'laptop-light-open',
  'laptop-dark-grid',
]);
const DOCS_DIR = join(REPO_ROOT, 'docs', 'screens');
const UPDATE_DOCS = process.env.PEERTREE_UPDATE_SCREENS === '1';
const DOC_JPEG_QUALITY = 70;
/** Window height while the files upload (every row in the DOM), and the space kept above the first day. */
const TALL_PX = 3000;
const GROUP_GAP_PX = 8;

/** Eight photos on four days (EXIF date taken), some portrait, so that the grid has date groups. */
const PHOTOS = [
  { name: 'Harbour at dusk.jpg', taken: '2025:08:14 19:40:00', hue: 24, portrait: false },
  { name: 'Fishing boats.jpg', taken: '2025:08:14 18:05:00', hue: 200, portrait: false },
  { name: 'Lighthouse.jpg', taken: '2025:08:14 17:20:00', hue: 210, portrait: true },
  { name: 'Market stall.jpg', taken: '2025:08:12 11:15:00', hue: 95, portrait: false },
  { name: 'Old tram.jpg', taken: '2025:08:12 10:02:00', hue: 48, portrait: true },
  { name: 'Birthday cake.jpg', taken: '2025:06:03 16:30:00', hue: 330, portrait: false },
  { name: 'Garden in June.jpg', taken: '2025:06:03 09:12:00', hue: 120, portrait: false },
  { name: 'First snow.jpg', taken: '2024:12:21 08:45:00', hue: 190, portrait: false },
] as const;

/** Every photo tile in the DOM shows its decrypted thumbnail (the grid sets `data-thumb="shown"` on load). */
async function thumbsShown(page: Page): Promise<void> {
  await expect(page.locator('.file-tile').first()).toBeVisible();
  await expect.poll(() => page.locator('.file-tile:not([data-thumb=shown])').count(), { timeout: 30_000 }).toBe(0);
}

/** The first group (a day, or the documents) just under the sticky top bar, every thumbnail in view shown. */
async function toFirstGroup(page: Page): Promise<void> {
  await page.evaluate((gap) => {
    const group = document.querySelector('[data-testid=date-group]');
    const bar = document.querySelector('header')?.getBoundingClientRect().height ?? 0;
    if (group) window.scrollTo(0, window.scrollY + group.getBoundingClientRect().top - bar - gap);
  }, GROUP_GAP_PX);
  if ((await page.locator('.file-tile').count()) > 0) await thumbsShown(page);
  // Off the tiles and buttons, so that no hover colour shows in the picture.
  await page.mouse.move(0, await page.evaluate(() => window.innerHeight - 1));
}

for (const size of SIZES) {
  test(`main views at ${size.name} size, light and dark`, async ({ page }, testInfo) => {
    // Bounds that catch a hang on a loaded 2-CPU machine (ten uploads, eight thumbnails), not a speed.
    test.setTimeout(180_000);
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    if (UPDATE_DOCS) mkdirSync(DOCS_DIR, { recursive: true });

    /** The visible window only (the sticky header and the fixed bars where a person sees them). */
    const shot = async (screen: string, scheme: Scheme = 'light'): Promise<void> => {
      const name = `${size.name}-${scheme}-${screen}`;
      const path = testInfo.outputPath(`${name}.png`);
      const options = { animations: 'disabled', caret: 'hide' } as const;
      await page.screenshot({ ...options, path });
      await testInfo.attach(name, { path, contentType: 'image/png' });
      if (UPDATE_DOCS && DOC_SHOTS.has(name))
        await page.screenshot({
          ...options,
          path: join(DOCS_DIR, `${name}.jpg`),
          type: 'jpeg',
          quality: DOC_JPEG_QUALITY,
        });
    };
    /** The same screen in both schemes (the page restyles itself through prefers-color-scheme). */
    const shotBoth = async (screen: string, ready: () => Promise<void>): Promise<void> => {
      await shot(screen, 'light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await ready();
      await shot(screen, 'dark');
      await page.emulateMedia({ colorScheme: 'light' });
    };

    // Landscape-like photos: a sky, a sun and two hills in each photo's hue.
    const jpegs = await canvasPhotos(
      page,
      PHOTOS.map((p) => ({
        width: p.portrait ? 720 : 960,
        height: p.portrait ? 960 : 720,
        hue: p.hue,
        look: 'landscape' as const,
        quality: 0.85,
        exif: { orientation: 1, taken: p.taken },
      })),
    );
    await page
      .locator('input[type=file]')
      .setInputFiles([
        ...jpegFiles(jpegs, (i) => PHOTOS[i]!.name),
        { name: 'Tax return 2025.pdf', mimeType: 'application/pdf', buffer: randomBytes(120_000) },
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Buy bread.\nCall Ana about the boat.\n') },
      ]);
    // A tall window while they upload, so that the virtual list keeps every row in the DOM to be counted.
    await page.setViewportSize({ width: size.width, height: TALL_PX });
    await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(PHOTOS.length + 2, {
      timeout: 120_000,
    });
    // Four days of photos, then the documents.
    await expect(page.locator('[data-testid=date-group][data-key^="day:"]')).toHaveCount(4);
    await page.setViewportSize({ width: size.width, height: size.height });
    await toFirstGroup(page);
    await shotBoth('grid', () => thumbsShown(page));

    // The viewer on a photo, its details open.
    await page.locator(`[data-testid=file-row][data-name="${PHOTOS[1].name}"]`).getByTestId('file-view').click();
    const viewer = page.getByTestId('viewer');
    await expect(viewer).toHaveAttribute('data-name', PHOTOS[1].name);
    await expect(viewer.getByTestId('viewer-stage')).toHaveAttribute('data-state', 'shown', { timeout: 20_000 });
    await viewer.getByTestId('viewer-info').click();
    await expect(viewer.getByTestId('viewer-details')).toContainText('Taken');
    await shotBoth('viewer', () => expect(viewer.getByTestId('viewer-stage')).toHaveAttribute('data-state', 'shown'));
    await page.keyboard.press('Escape');
    await expect(viewer).toBeHidden();

    // The documents as a list.
    await page.getByTestId('files-filter').selectOption('documents');
    await expect(page.getByTestId('file-row')).toHaveCount(2);
    await toFirstGroup(page);
    await shot('files');

    await page.locator('[data-testid=file-row][data-name="notes.txt"]').getByTestId('file-open').click();
    await expect(page.getByTestId('open-view')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('ledger-panel')).toHaveAttribute('data-state', 'ready');
    await shot('open');

    await page.goto('/#/');
    await page.getByTestId('files-filter').selectOption('documents');
    await page.locator('[data-testid=file-row][data-name="notes.txt"]').getByTestId('file-share').click();
    await expect(page.getByTestId('share-dialog')).toBeVisible();
    await shot('share');
    await page.keyboard.press('Escape');
    await page.getByTestId('files-filter').selectOption('all');

    // Select mode with its bar, then the album made from it.
    await page.getByTestId('select-mode').click();
    const chosen = [PHOTOS[0].name, PHOTOS[1].name, PHOTOS[2].name];
    for (const name of chosen)
      await page.locator(`[data-testid=file-row][data-name="${name}"]`).getByTestId('file-select').check();
    await toFirstGroup(page);
    await shot('select');
    await page.getByTestId('select-album').click();
    await page.getByTestId('album-dialog').getByLabel('New album').fill('Summer by the sea');
    await page.getByTestId('album-create').click();
    await page.getByTestId('album-status-open').click();
    await expect(page.getByTestId('album-item')).toHaveCount(chosen.length);
    await expect
      .poll(() =>
        page
          .locator('[data-testid=album-item] img.tile-img')
          .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length),
      )
      .toBe(chosen.length);
    await page.evaluate(() => window.scrollTo(0, 0));
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
