// The gallery: photos made in the test (canvas JPEGs with an EXIF segment built byte by byte) appear in date
// groups with thumbnails made on the device; a second device of the same person shows those thumbnails
// without fetching the originals; cancel stops an upload and leaves nothing pinned.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { canvasPhotos } from './support/canvas-photos.ts';
import { openSecondDevice } from './support/second-device.ts';

const PASSPHRASE = 'gallery passphrase 2024';

/** The stored file record of `name` in this page's IndexedDB. */
async function fileRecord(
  page: Page,
  name: string,
): Promise<{ shards: string[]; capability: string | null; thumbs?: { grid: string; screen: string } | null }> {
  return page.evaluate(
    (n) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('peertree');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('files').objectStore('files').getAll();
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as { name: string }[]).find((r) => r.name === n) as never);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    name,
  ) as Promise<{ shards: string[]; capability: string | null; thumbs?: { grid: string; screen: string } | null }>;
}

test('twenty photos with EXIF dates appear in date groups, with upright thumbnails made here, and open in the viewer', async ({
  page,
}, testInfo) => {
  const shot = async (name: string): Promise<void> => {
    const path = testInfo.outputPath(`${name}.png`);
    await page.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  };
  // Bounds that catch a hang on a loaded 2-CPU machine (twenty uploads and thumbnails), not a speed.
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 1600 });
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  // Five days, four photos each; the first one is stored sideways (EXIF orientation 6: turn 90° to view).
  const days = ['2023:03:04', '2023:05:17', '2022:12:25', '2024:01:01', '2023:08:09'];
  const taken = (i: number): string => `${days[i % 5]} ${String(8 + Math.floor(i / 5)).padStart(2, '0')}:30:00`;
  const jpegs = await canvasPhotos(
    page,
    Array.from({ length: 20 }, (_, i) => ({
      width: 96,
      height: 64,
      hue: i * 18,
      look: 'corner' as const,
      quality: 0.9,
      exif: { orientation: i === 0 ? 6 : 1, taken: taken(i) },
    })),
  );
  const photos = jpegs.map((buffer, i) => ({
    name: `photo-${String(i).padStart(2, '0')}.jpg`,
    mimeType: 'image/jpeg',
    buffer,
    taken: taken(i),
  }));
  await page
    .locator('input[type=file]')
    .setInputFiles(photos.map(({ name, mimeType, buffer }) => ({ name, mimeType, buffer })));
  await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(20, { timeout: 180_000 });

  const groups = page.getByTestId('date-group');
  await expect(groups).toHaveCount(5, { timeout: 20_000 });
  for (const g of await groups.all()) await expect(g).toHaveAttribute('data-count', '4');
  // Newest first: 1 January 2024, then 17 May, 9 August … 2023 in date order.
  await expect(groups.first()).toContainText('1 January 2024');
  await expect(groups.last()).toContainText('25 December 2022');

  for (const p of photos) {
    const row = page.locator(`[data-testid=file-row][data-name="${p.name}"]`);
    const [date, time] = p.taken.split(' ') as [string, string];
    const [y, mo, d] = date.split(':').map(Number) as [number, number, number];
    const [hh, mi] = time.split(':').map(Number) as [number, number];
    await expect(row).toHaveAttribute('data-taken', String(new Date(y, mo - 1, d, hh, mi).getTime()));
    await expect(row).toHaveAttribute('data-thumb', 'shown', { timeout: 20_000 });
    // Grouped under its own day.
    await expect(
      page.locator(
        `.tile-row[data-group="day:${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}"] [data-name="${p.name}"]`,
      ),
    ).toHaveCount(1);
  }
  const size = async (name: string): Promise<{ w: number; h: number }> =>
    page
      .locator(`[data-testid=file-row][data-name="${name}"] [data-testid=file-thumb]`)
      .evaluate((img) => ({ w: (img as HTMLImageElement).naturalWidth, h: (img as HTMLImageElement).naturalHeight }));
  // The sideways photo's thumbnail is upright (taller than wide); the others keep their landscape shape.
  // Polled: a tile re-rendered by the virtual list may load its image again.
  await expect.poll(() => size('photo-00.jpg')).toEqual({ w: 64, h: 96 });
  await expect.poll(() => size('photo-01.jpg')).toEqual({ w: 96, h: 64 });

  await shot('gallery-grid');

  // The viewer: full screen, arrow keys to the next photo, details one tap away.
  await page.locator('[data-testid=file-row][data-name="photo-03.jpg"]').getByTestId('file-view').click();
  const viewer = page.getByTestId('viewer');
  await expect(viewer).toBeVisible();
  await expect(viewer).toHaveAttribute('data-name', 'photo-03.jpg');
  await expect(viewer.getByTestId('viewer-stage')).toHaveAttribute('data-state', 'shown', { timeout: 20_000 });
  const first = Number(await viewer.getAttribute('data-index'));
  await page.keyboard.press('ArrowRight');
  await expect(viewer).toHaveAttribute('data-index', String(first + 1));
  await page.keyboard.press('ArrowLeft');
  await expect(viewer).toHaveAttribute('data-name', 'photo-03.jpg');
  await viewer.getByTestId('viewer-info').click();
  await expect(viewer.getByTestId('viewer-details')).toContainText('Taken');
  await expect(viewer.getByTestId('viewer-open')).toHaveAttribute('href', /^#\/open\/pt1\./);
  await shot('gallery-viewer');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Filter and virtual scrolling: a short window keeps only the rows near it in the DOM.
  await page.getByTestId('files-filter').selectOption('documents');
  await expect(page.getByTestId('file-row')).toHaveCount(0);
  await page.getByTestId('files-filter').selectOption('all');
  await page.setViewportSize({ width: 1280, height: 300 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await expect.poll(async () => page.getByTestId('file-row').count()).toBeLessThan(20);
  // Scrolled again on every look: the page may still grow (rows measured late) after the first scroll.
  await expect
    .poll(async () => {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      return page.locator('[data-testid=file-row][data-name="photo-02.jpg"]').count();
    })
    .toBe(1);
});

test('a thumbnail made on device A shows on device B without the original being fetched', async ({
  page,
  browser,
  relay,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const [jpeg] = await canvasPhotos(page, [
    {
      width: 320,
      height: 200,
      hue: 200,
      look: 'corner',
      quality: 0.9,
      exif: { orientation: 1, taken: '2021:07:14 12:00:00' },
    },
  ]);
  // Padded past one shard, so the original has data shards besides its manifest.
  const original = Buffer.concat([jpeg!, randomBytes(1024 * 1024 + 5000)]);
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'beach.jpg', mimeType: 'image/jpeg', buffer: original }]);
  const row = page.locator('[data-testid=file-row][data-name="beach.jpg"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
  await expect(row).toHaveAttribute('data-thumb', 'shown');
  await expect(page.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  await expect(page.getByTestId('library-sync')).not.toHaveAttribute('data-detail', 'empty');
  const record = await fileRecord(page, 'beach.jpg');
  expect(record.thumbs).toBeTruthy();
  const screenManifest = record.thumbs!.screen.split('.')[1]!;
  const originalShards = record.shards.slice(record.shards.indexOf(screenManifest) + 1);
  expect(originalShards).toContain(record.capability!.split('.')[1]);
  expect(originalShards.length).toBeGreaterThanOrEqual(3);

  const requested: string[] = [];
  const {
    context: other,
    b,
    backupPath,
  } = await openSecondDevice(page, browser, relay.url, PASSPHRASE, (b) =>
    b.on('request', (r) => requested.push(r.url())),
  );
  expect(JSON.parse(readFileSync(backupPath, 'utf8')).v).toBe(2);
  try {
    const rowB = b.locator('[data-testid=file-row][data-name="beach.jpg"]');
    await expect(rowB).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
    await expect(rowB).toHaveAttribute('data-thumb', 'shown', { timeout: 20_000 });
    await expect(rowB).toHaveAttribute('data-taken', String(new Date(2021, 6, 14, 12).getTime()));
    expect(await rowB.getByTestId('file-thumb').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(256);
    // The thumbnail came from the relay; no piece of the original (manifest or data) was asked for.
    expect(requested.some((u) => u.includes(`/api/shards/${record.thumbs!.grid.split('.')[1]}`))).toBe(true);
    for (const hash of originalShards) expect(requested.filter((u) => u.includes(hash))).toEqual([]);
  } finally {
    await other.close();
  }
});

test('cancel stops an upload, and nothing of it stays pinned on the relay', async ({ page, relay }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(48 * 1024 * 1024) }]);
  const row = page.locator('[data-testid=file-row][data-name="big.bin"]');
  await expect(row).toHaveAttribute('data-status', 'uploading', { timeout: 60_000 });
  await expect(row.getByTestId('file-detail')).toHaveText(/^Uploading \d+%/);
  const { shards } = await fileRecord(page, 'big.bin');
  expect(shards.length).toBe(49);
  await row.getByTestId('file-cancel').click();
  await expect(row).toHaveCount(0);
  // The upload stopped before the end: the manifest (sent last) never reached the relay.
  const manifest = shards[shards.length - 1]!;
  const status = async (hash: string): Promise<number> => (await fetch(`${relay.url}/api/shards/${hash}`)).status;
  // Every piece the relay took is released by this device's signed unpin: none is left.
  await expect
    .poll(
      async () => {
        const codes = await Promise.all(shards.map(status));
        return codes.filter((c) => c !== 404).length;
      },
      { timeout: 45_000, intervals: [500, 1000, 2000] },
    )
    .toBe(0);
  expect(await status(manifest)).toBe(404);
  // The release item leaves the outbox once every release was answered.
  const outbox = (): Promise<string> =>
    page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const open = indexedDB.open('peertree');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const req = open.result.transaction('outbox').objectStore('outbox').getAll();
            req.onsuccess = () => {
              open.result.close();
              resolve(
                JSON.stringify(
                  (req.result as { id: string; lastError: string | null; acked: object }[]).map((i) => ({
                    id: i.id,
                    lastError: i.lastError,
                    acked: Object.keys(i.acked).length,
                  })),
                ),
              );
            };
            req.onerror = () => reject(req.error);
          };
        }),
    );
  await expect.poll(outbox, { timeout: 30_000 }).toBe('[]');
});
