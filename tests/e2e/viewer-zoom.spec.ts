// Zoom in the viewer: a two-pointer pinch scales the picture, a drag pans it, swiping does not step while
// zoomed, a double click goes back to 1× and then a swipe steps; ctrl+wheel zooms too; Download saves the original.
import type { Page } from '@playwright/test';
import { canvasPhotos, jpegFiles } from './support/canvas-photos.ts';
import { expect, test } from './support/fixtures.ts';

/** The scale of the viewer picture's computed transform (1 when none). */
function scaleOf(page: Page): Promise<number> {
  return page.getByTestId('viewer-img').evaluate((img) => {
    const t = getComputedStyle(img).transform;
    return t === 'none' ? 1 : new DOMMatrixReadOnly(t).a;
  });
}

/** Dispatches pointer events on the stage: each step moves every pointer to its next point. */
async function gesture(page: Page, paths: { x: number; y: number }[][]): Promise<void> {
  await page.getByTestId('viewer-stage').evaluate((stage, all) => {
    const fire = (type: string, id: number, p: { x: number; y: number }): void => {
      stage.dispatchEvent(
        new PointerEvent(type, {
          pointerId: id,
          pointerType: 'touch',
          isPrimary: id === 1,
          clientX: p.x,
          clientY: p.y,
          bubbles: true,
          cancelable: true,
        }),
      );
    };
    all.forEach((path, i) => fire('pointerdown', i + 1, path[0]!));
    for (let step = 1; step < all[0]!.length; step++) all.forEach((path, i) => fire('pointermove', i + 1, path[step]!));
    all.forEach((path, i) => fire('pointerup', i + 1, path[path.length - 1]!));
  }, paths);
}

test('pinch zooms the photo, drag pans it, double click resets, and only then a swipe steps', async ({ page }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 1000, height: 800 });
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const jpegs = await canvasPhotos(
    page,
    [30, 200].map((hue) => ({ width: 640, height: 480, hue })),
  );
  await page.locator('input[type=file]').setInputFiles(jpegFiles(jpegs, (i) => `z${i}.jpg`));
  await expect(page.locator('[data-testid=file-row][data-thumb=shown]')).toHaveCount(2, { timeout: 45_000 });
  await page.locator('[data-testid=file-row]').first().getByTestId('file-view').click();
  const viewer = page.getByTestId('viewer');
  await expect(viewer.getByTestId('viewer-stage')).toHaveAttribute('data-state', 'shown');
  const index = await viewer.getAttribute('data-index');
  const box = (await page.getByTestId('viewer-stage').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;

  // Two fingers 100 px apart move to 300 px apart: 3×.
  const steps = 6;
  const finger = (dir: number) =>
    Array.from({ length: steps + 1 }, (_, i) => ({ x: cx + dir * (50 + (100 * i) / steps), y: cy }));
  await gesture(page, [finger(-1), finger(1)]);
  expect(await scaleOf(page)).toBeCloseTo(3, 1);
  await expect(viewer.getByTestId('viewer-stage')).toHaveAttribute('data-zoom', /^3\.0/);

  // A one-finger drag while zoomed pans (and does not step to the next photo).
  const before = await page
    .getByTestId('viewer-img')
    .evaluate((img) => new DOMMatrixReadOnly(getComputedStyle(img).transform).e);
  await gesture(page, [
    [
      { x: cx, y: cy },
      { x: cx - 60, y: cy },
      { x: cx - 120, y: cy },
    ],
  ]);
  const after = await page
    .getByTestId('viewer-img')
    .evaluate((img) => new DOMMatrixReadOnly(getComputedStyle(img).transform).e);
  expect(after).toBeCloseTo(before - 120, 0);
  await expect(viewer).toHaveAttribute('data-index', index!);

  // Double click: back to 1×; now the same swipe steps to the next photo.
  await page.mouse.dblclick(cx, cy);
  expect(await scaleOf(page)).toBe(1);
  await gesture(page, [
    [
      { x: cx + 100, y: cy },
      { x: cx, y: cy },
      { x: cx - 100, y: cy },
    ],
  ]);
  await expect(viewer).not.toHaveAttribute('data-index', index!);

  // ctrl+wheel zooms in at the pointer.
  await expect(viewer.getByTestId('viewer-stage')).toHaveAttribute('data-state', 'shown');
  await page.mouse.move(cx, cy);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -200);
  await page.keyboard.up('Control');
  await expect.poll(() => scaleOf(page)).toBeGreaterThan(1);
  // The keyboard: 0 goes back to 1×.
  await page.keyboard.press('0');
  expect(await scaleOf(page)).toBe(1);

  // The viewer downloads the original (checked piece by piece) and says so.
  const name = await viewer.getAttribute('data-name');
  const download = page.waitForEvent('download');
  await viewer.getByTestId('viewer-download').click();
  expect((await download).suggestedFilename()).toBe(name);
  await expect(viewer.getByTestId('viewer-progress')).toHaveText('Downloaded, every piece checked.');
});
