// Suite: the gallery with thousands of photos (issue #17: "time to first grid paint and scroll frame times with
// 2,000 items, JS heap"). A few real JPEGs are stored through the PWA (thumbnails made on the device, sealed and
// cached like the file); then, offline so that no sync runs, the files store is filled to `items` rows that
// share those thumbnails, and the page is reloaded and measured: when the first rows and the first screenful of
// thumbnails show, the frame times while scrolling the whole grid, how many rows the DOM holds, and the JS heap.
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, requireChromium } from '../tests/support/chromium.ts';
import { canvasPhotos, jpegFiles } from '../tests/e2e/support/canvas-photos.ts';
import { ensureDist } from './browser.ts';
import { startRelay, tempDir } from './cluster.ts';

export interface GalleryOptions {
  /** Rows in the files store when measured. */
  readonly items: number;
  /** Photos really stored through the PWA (their thumbnails are shared by the other rows). */
  readonly photos: number;
  /** How long the scroll through the grid lasts (ms). */
  readonly scrollMs: number;
}

export interface GalleryFigures {
  readonly items: number;
  /** From navigation start to the first file rows in the DOM (ms). */
  readonly firstRowsMs: number;
  /** From navigation start to the first 12 thumbnails decoded and shown (ms). */
  readonly firstThumbsMs: number;
  /** Frame intervals while scrolling (ms): median, 95th percentile, longest, and frames over 50 ms. */
  readonly frameP50: number;
  readonly frameP95: number;
  readonly frameMax: number;
  readonly longFrames: number;
  /** Most file rows in the DOM at once while scrolling (virtualized: a screenful or two, not `items`). */
  readonly domRowsMax: number;
  /** JS heap after the first paint (after a collection) and its peak while scrolling (bytes). */
  readonly heapAfterLoad: number;
  readonly heapPeak: number;
}

const FIRST_THUMBS = 12;

/** Fills the files store up to `items` rows, copies of the stored photos with their own ids, names and dates. */
async function fillStore(page: Page, items: number): Promise<number> {
  return page.evaluate(
    (n) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('peertree');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const read = db.transaction('files').objectStore('files').getAll();
          read.onerror = () => reject(read.error);
          read.onsuccess = () => {
            const photos = (read.result as { thumbs?: unknown; addedAt: number }[]).filter((r) => r.thumbs);
            if (photos.length === 0) return reject(new Error('no stored photo has thumbnails'));
            const tx = db.transaction('files', 'readwrite');
            const store = tx.objectStore('files');
            const hour = 3_600_000;
            for (let i = photos.length; i < n; i++) {
              const from = photos[i % photos.length]!;
              // Dates spread over about 250 days, a few photos a day: many date groups, as a real library has.
              const taken = from.addedAt - i * 3 * hour;
              store.put({
                ...from,
                id: `bench-${i}`,
                name: `photo-${String(i).padStart(5, '0')}.jpg`,
                taken,
                addedAt: taken,
              });
            }
            tx.oncomplete = () => resolve(n);
            tx.onerror = () => reject(tx.error);
          };
        };
      }),
    items,
  );
}

/**
 * Scrolls the window through the whole grid for `ms`, one step per frame; returns the frame intervals. Plain
 * JavaScript text: the bench runs through a transform that would wrap a named inner function in a helper the
 * page does not have.
 */
const SCROLL_SOURCE = `(duration) => new Promise((resolve) => {
  const el = document.scrollingElement || document.documentElement;
  const total = el.scrollHeight - innerHeight;
  const intervals = [];
  let domRowsMax = 0;
  const start = performance.now();
  let last = start;
  function step(t) {
    intervals.push(t - last);
    last = t;
    domRowsMax = Math.max(domRowsMax, document.querySelectorAll('[data-testid=file-row]').length);
    const f = Math.min(1, (t - start) / duration);
    el.scrollTop = total * f;
    if (f < 1) requestAnimationFrame(step);
    else resolve({ intervals: intervals.slice(1), domRowsMax });
  }
  requestAnimationFrame(step);
})`;

async function scrollFrames(page: Page, ms: number): Promise<{ intervals: number[]; domRowsMax: number }> {
  return page.evaluate(`(${SCROLL_SOURCE})(${Number(ms)})`) as Promise<{ intervals: number[]; domRowsMax: number }>;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export async function gallerySuite(opts: GalleryOptions): Promise<GalleryFigures> {
  const executablePath = requireChromium();
  ensureDist();
  const relay = await startRelay(tempDir('gallery'), ['--http']);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // Generous bounds: this suite also runs (at --quick sizes) inside npm test, beside other heavy tests.
    page.setDefaultTimeout(60_000);
    await page.goto(relay.ready.url + '/', { timeout: 60_000 });
    await page.locator('[data-testid=connection][data-state=online]').waitFor({ timeout: 60_000 });
    const jpegs = await canvasPhotos(
      page,
      Array.from({ length: opts.photos }, (_, i) => ({
        width: 1600,
        height: 1200,
        hue: (i * 47) % 360,
        look: 'corner' as const,
        quality: 0.85,
      })),
    );
    await page.locator('input[type=file]').setInputFiles(jpegFiles(jpegs, (i) => `real-${i}.jpg`));
    await page
      .waitForFunction(
        (n) => document.querySelectorAll('[data-testid=file-row][data-status=stored][data-thumb=shown]').length >= n,
        opts.photos,
        { timeout: 180_000, polling: 250 },
      )
      .catch(async (err: unknown) => {
        const seen = await page.evaluate(() =>
          [...document.querySelectorAll('[data-testid=file-row]')]
            .map((r) => `${r.getAttribute('data-status')}/${r.getAttribute('data-thumb')}`)
            .join(' '),
        );
        throw new Error(`the photos were not all stored with thumbnails shown (${seen})`, { cause: err });
      });
    // The shell must come from the service worker once offline.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    await context.setOffline(true);
    await fillStore(page, opts.items);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
    };

    await page.reload({ waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelector('[data-testid=file-row]') !== null, undefined, {
      timeout: 60_000,
      polling: 'raf',
    });
    const firstRowsMs = await page.evaluate(() => performance.now());
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=file-row][data-thumb=shown]').length >= n,
      FIRST_THUMBS,
      { timeout: 60_000, polling: 'raf' },
    );
    const firstThumbsMs = await page.evaluate(() => performance.now());
    const rows = await page.evaluate(() => document.querySelectorAll('[data-testid=date-group]').length);
    if (rows === 0) throw new Error('the gallery shows no date groups');
    await cdp.send('HeapProfiler.collectGarbage');
    const heapAfterLoad = await heap();

    let heapPeak = heapAfterLoad;
    const sampler = setInterval(
      () =>
        void heap().then(
          (h) => (heapPeak = Math.max(heapPeak, h)),
          () => {},
        ),
      250,
    );
    const { intervals, domRowsMax } = await scrollFrames(page, opts.scrollMs).finally(() => clearInterval(sampler));
    heapPeak = Math.max(heapPeak, await heap());
    const sorted = [...intervals].sort((a, b) => a - b);
    return {
      items: opts.items,
      firstRowsMs,
      firstThumbsMs,
      frameP50: percentile(sorted, 0.5),
      frameP95: percentile(sorted, 0.95),
      frameMax: sorted.at(-1) ?? Number.NaN,
      longFrames: intervals.filter((d) => d > 50).length,
      domRowsMax,
      heapAfterLoad,
      heapPeak,
    };
  } finally {
    await browser.close();
  }
}
