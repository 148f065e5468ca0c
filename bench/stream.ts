// Suite: an encrypted video that streams (issue #17: "time to first frame, heap while playing a 500 MiB video").
// A real VP8 WebM of incompressible frames is encoded by Debian's ffmpeg (a short piece, then joined end to end
// without re-encoding, with its seek index at the front), stored encrypted with `peertree put`, and opened by its
// link in a fresh browser: the service worker fetches and decrypts only the shards the <video> asks for. Measured:
// from opening the link to the first frame presented, the seek times to points spread over the file, the JS heap
// of the page and of the service worker (sampled every 250 ms while playing and seeking), and how much of the
// file came to the device.
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { readStore } from '../tests/e2e/support/idb.ts';
import { CHROMIUM_ARGS, requireChromium } from '../tests/support/chromium.ts';
import { ensureDist } from './browser.ts';
import { lastLine, removeDir, runCli, startRelay, tempDir } from './cluster.ts';

export interface StreamOptions {
  /** Seconds of the piece that is encoded (at 40 Mbit/s ≈ 4.7 MiB per second). */
  readonly pieceSeconds: number;
  /** How many times the piece is joined: the video is pieceSeconds × copies long. */
  readonly copies: number;
  /** How long the video plays from the start, and after each seek (ms). */
  readonly playMs: number;
}

export interface StreamFigures {
  readonly videoBytes: number;
  readonly durationS: number;
  /** From setting the link's address to the first frame presented (ms). */
  readonly firstFrameMs: number;
  /** Median time from setting currentTime to `seeked` plus the next frame presented (ms). */
  readonly seekP50Ms: number;
  readonly seekMaxMs: number;
  /** Peak JS heap of the page and of the service worker while playing and seeking (bytes). */
  readonly pageHeapPeak: number;
  readonly workerHeapPeak: number;
  /** Bytes of the file's shards cached on the device at the end (the rest never came). */
  readonly cachedBytes: number;
}

/** Encodes the video: `seconds` of random 640×360 frames at 40 Mbit/s, joined `copies` times. */
function makeVideo(dir: string, seconds: number, copies: number): string {
  const piece = join(dir, 'piece.webm');
  const enc = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', '640x360'];
  enc.push('-r', '25', '-i', '/dev/urandom', '-t', String(seconds), '-c:v', 'libvpx', '-deadline', 'realtime');
  enc.push('-cpu-used', '8', '-b:v', '40M', '-minrate', '40M', '-maxrate', '40M', '-g', '25', piece);
  execFileSync('ffmpeg', enc, { stdio: 'ignore', timeout: 600_000 });
  const list = join(dir, 'list.txt');
  writeFileSync(list, Array.from({ length: copies }, () => `file '${piece}'\n`).join(''));
  const out = join(dir, 'holiday.webm');
  const join_ = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list];
  join_.push('-c', 'copy', '-cues_to_front', '1', out);
  execFileSync('ffmpeg', join_, { stdio: 'ignore', timeout: 600_000 });
  return out;
}

/**
 * The JS heap of the service worker. Playwright's sessions talk to pages; the worker's own target is reached
 * through the browser session (Target.sendMessageToTarget), one request at a time.
 */
async function workerHeap(cdp: CDPSession, origin: string): Promise<() => Promise<number>> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  const sw = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(origin));
  if (!sw) throw new Error('no service worker target');
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: sw.targetId, flatten: false });
  let next = 0;
  const waiting = new Map<number, (size: number) => void>();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message) as { id?: number; result?: { usedSize?: number } };
    const resolve = m.id === undefined ? undefined : waiting.get(m.id);
    if (!resolve) return;
    waiting.delete(m.id!);
    resolve(m.result?.usedSize ?? Number.NaN);
  });
  return () =>
    new Promise<number>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      const message = JSON.stringify({ id, method: 'Runtime.getHeapUsage' });
      void cdp.send('Target.sendMessageToTarget', { sessionId, message }).catch(() => resolve(Number.NaN));
    });
}

const VIDEO = '[data-testid=preview] video';

/** Resolves with performance.now() when the preview video presents its next frame (plays it when paused). */
function nextFrame(page: Page): Promise<number> {
  return page.evaluate(
    `new Promise((resolve) => {
      const v = document.querySelector(${JSON.stringify(VIDEO)});
      v.requestVideoFrameCallback(() => resolve(performance.now()));
      if (v.paused) v.play();
    })`,
  ) as Promise<number>;
}

export async function streamSuite(opts: StreamOptions): Promise<StreamFigures> {
  const executablePath = requireChromium();
  ensureDist();
  const work = tempDir('stream');
  const relay = await startRelay(join(work, 'relay'), ['--http']);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const video = makeVideo(work, opts.pieceSeconds, opts.copies);
    const videoBytes = statSync(video).size;
    const env = { PEERTREE_HOME: join(work, 'home') };
    const put = await runCli(['put', video, '--relay', relay.ready.url, '--replicas', '1'], env, 900_000);
    if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
    const capability = lastLine(put.stdout);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(relay.ready.url + '/', { timeout: 60_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    const pageCdp = await context.newCDPSession(page);
    await pageCdp.send('Performance.enable');
    const pageHeap = async (): Promise<number> => {
      const { metrics } = await pageCdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
    };
    const swHeap = await workerHeap(await browser.newBrowserCDPSession(), new URL(relay.ready.url).origin);
    let pageHeapPeak = await pageHeap();
    let workerHeapPeak = await swHeap();
    const sampler = setInterval(() => {
      void pageHeap().then(
        (h) => (pageHeapPeak = Math.max(pageHeapPeak, h)),
        () => {},
      );
      void swHeap().then(
        (h) => (workerHeapPeak = Math.max(workerHeapPeak, h)),
        () => {},
      );
    }, 250);
    try {
      // Opening the link: the hash route, as a person's click on it does in an open app.
      const opened = await page.evaluate((cap) => {
        location.hash = `#/open/${cap}`;
        return performance.now();
      }, capability);
      await page.locator(`${VIDEO}[data-streamed]`).waitFor({ timeout: 60_000 });
      await page.evaluate((sel) => ((document.querySelector(sel) as HTMLVideoElement).muted = true), VIDEO);
      const firstFrameMs = (await nextFrame(page)) - opened;
      const durationS = await page.evaluate((sel) => (document.querySelector(sel) as HTMLVideoElement).duration, VIDEO);
      await page.waitForTimeout(opts.playMs);
      const seeks: number[] = [];
      for (const at of [0.25, 0.5, 0.75, 0.95, 0.1]) {
        const started = await page.evaluate(
          ({ sel, to }) => {
            const v = document.querySelector(sel) as HTMLVideoElement;
            v.currentTime = to;
            return performance.now();
          },
          { sel: VIDEO, to: durationS * at },
        );
        seeks.push((await nextFrame(page)) - started);
        await page.waitForTimeout(opts.playMs);
      }
      // The device's shard cache keeps running totals (pwa/src/data/idb-shard-store.ts).
      const totals = await readStore<{ bytes?: number } | undefined>(page, 'shard-stats', { key: 'totals' });
      const cachedBytes = totals?.bytes ?? 0;
      const sorted = [...seeks].sort((a, b) => a - b);
      return {
        videoBytes,
        durationS,
        firstFrameMs,
        seekP50Ms: sorted[Math.floor(sorted.length / 2)]!,
        seekMaxMs: sorted.at(-1)!,
        pageHeapPeak,
        workerHeapPeak,
        cachedBytes,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await browser.close();
    await relay.stop('SIGTERM');
    removeDir(work);
  }
}
