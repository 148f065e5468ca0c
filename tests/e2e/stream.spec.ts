// Streaming encrypted media through the service worker: a file added on one device plays on another (a fresh
// browser opening its link) and seeks to the middle with only the shards around the playhead fetched; its
// download through the same stream has the exact bytes.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { readStore } from './support/idb.ts';
import { DEFAULT_SHARD_BYTES } from '../../core/limits.ts';
import { expect, test } from './support/fixtures.ts';

/** A mono 16-bit PCM WAV of `dataBytes` bytes of noise (8 kHz): a media file whose every byte range seeks. */
function wav(dataBytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, randomBytes(dataBytes)]);
}

/** Longest wait for ffmpeg to encode the test video. */
const FFMPEG_TIMEOUT_MS = 180_000;

/**
 * A real 60 s VP8 WebM (640×360, 1.6 Mbit/s, a key frame every second, its seek index at the front), encoded by
 * Debian's ffmpeg (scripts/setup.sh installs it): what a person's camera roll holds, not a stand-in.
 */
function webmVideo(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'peertree-video-'));
  try {
    const out = join(dir, 'clip.webm');
    const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'];
    args.push('-t', '60', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8');
    args.push('-b:v', '1600k', '-minrate', '1600k', '-maxrate', '1600k', '-g', '25', '-cues_to_front', '1', out);
    // A bound for a hung encoder, not a speed: on a loaded 2-CPU machine this took over 60 s once.
    execFileSync('ffmpeg', args, { stdio: 'ignore', timeout: FFMPEG_TIMEOUT_MS });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Adds a file on `page` and waits until it is stored; returns its capability and its data shards. The file's
 * record lists thumbnail shards first, then the file's data shards, then its manifest.
 */
async function storeFile(
  page: Page,
  file: { name: string; mimeType: string; buffer: Buffer },
): Promise<{ capability: string; data: string[] }> {
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  await page.locator('input[type=file]').setInputFiles([file]);
  const row = page.locator(`[data-testid=file-row][data-name="${file.name}"]`);
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 60_000 });
  const capability = (await row.getAttribute('data-capability'))!;
  const records = await readStore<{ capability: string; shards: string[] }[]>(page, 'files');
  const shards = records.find((r) => r.capability === capability)!.shards;
  return { capability, data: shards.slice(-1 - Math.ceil(file.buffer.length / DEFAULT_SHARD_BYTES), -1) };
}

/** A fresh browser (another device) with the service worker in control, showing `#/open/CAP`. */
async function openElsewhere(b: Page, capability: string): Promise<void> {
  await b.goto('/');
  // Streaming needs the service worker in control of the page (it claims pages once active).
  await b.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
  await b.goto(`/#/open/${capability}`);
}

const cachedShards = (page: Page): Promise<string[]> => readStore<string[]>(page, 'shards', { keys: true });

test('an encrypted media file added on one device plays on another and seeks to the middle before the rest has arrived', async ({
  page,
  browser,
  relay,
}) => {
  test.setTimeout(120_000);
  const bytes = wav(12 * 1024 * 1024);
  const { capability, data } = await storeFile(page, {
    name: 'long recording.wav',
    mimeType: 'audio/wav',
    buffer: bytes,
  });
  expect(data.length).toBe(13);

  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const b = await other.newPage();
    await openElsewhere(b, capability);
    const view = b.getByTestId('open-view');
    await expect(view).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
    await expect(view).toHaveAttribute('data-streamed', 'true');
    const media = b.locator('[data-testid=preview] audio[data-streamed]');
    await expect(media).toHaveAttribute('src', /^\/stream\/[0-9a-f]{32}$/);
    // The relay never sees the key: the stream URL holds only a random id.
    expect(await media.getAttribute('src')).not.toContain(capability.split('.')[2]);

    await b.waitForFunction(
      () => ((document.querySelector('[data-testid=preview] audio') as HTMLAudioElement | null)?.readyState ?? 0) >= 1,
      undefined,
      { timeout: 20_000 },
    );
    const duration = await media.evaluate((el) => (el as HTMLAudioElement).duration);
    expect(duration).toBeGreaterThan(700);
    await media.evaluate(
      (el, to) =>
        new Promise<void>((resolve) => {
          const a = el as HTMLAudioElement;
          a.addEventListener('seeked', () => resolve(), { once: true });
          a.currentTime = to;
        }),
      duration / 2,
    );
    await b.waitForFunction(
      () => (document.querySelector('[data-testid=preview] audio') as HTMLAudioElement).readyState >= 2,
      undefined,
      { timeout: 20_000 },
    );
    expect(await media.evaluate((el) => (el as HTMLAudioElement).currentTime)).toBeGreaterThan(duration / 2 - 5);
    // Only the shards around the start and the middle came to this device, not the whole file.
    const cached = new Set(await cachedShards(b));
    const have = data.map((h) => cached.has(h));
    expect(have[0]).toBe(true);
    expect(have[6]).toBe(true);
    expect(have.filter(Boolean).length).toBeLessThan(data.length);
    expect(have[12]).toBe(false);

    // The download goes through the same stream, every shard checked: the exact bytes.
    const downloadEvent = b.waitForEvent('download');
    await b.getByTestId('download').click();
    const got = readFileSync((await (await downloadEvent).path())!);
    expect(got.equals(bytes)).toBe(true);
  } finally {
    await other.close();
  }
});

test('a real video added on one device plays on another and seeks to the middle before the rest has arrived', async ({
  page,
  browser,
  relay,
}) => {
  test.setTimeout(150_000 + FFMPEG_TIMEOUT_MS);
  const { capability, data } = await storeFile(page, {
    name: 'holiday.webm',
    mimeType: 'video/webm',
    buffer: webmVideo(),
  });
  expect(data.length).toBeGreaterThanOrEqual(10);

  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const b = await other.newPage();
    await openElsewhere(b, capability);
    await expect(b.getByTestId('open-view')).toHaveAttribute('data-streamed', 'true', { timeout: 20_000 });
    const video = b.locator('[data-testid=preview] video[data-streamed]');
    await expect(video).toHaveAttribute('src', /^\/stream\/[0-9a-f]{32}$/);
    await b.waitForFunction(
      () => ((document.querySelector('[data-testid=preview] video') as HTMLVideoElement | null)?.readyState ?? 0) >= 1,
      undefined,
      { timeout: 20_000 },
    );
    const meta = await video.evaluate((el) => {
      const v = el as HTMLVideoElement;
      return { duration: v.duration, width: v.videoWidth };
    });
    expect(meta.width).toBe(640);
    expect(Math.round(meta.duration)).toBe(60);
    // Seek to the middle and play: frames are decoded there, and the playhead moves on.
    await video.evaluate(
      (el) =>
        new Promise<void>((resolve) => {
          const v = el as HTMLVideoElement;
          v.muted = true;
          v.addEventListener('seeked', () => resolve(), { once: true });
          v.currentTime = 30;
        }),
    );
    await video.evaluate((el) => (el as HTMLVideoElement).play());
    await b.waitForFunction(
      () => (document.querySelector('[data-testid=preview] video') as HTMLVideoElement).currentTime > 31,
      undefined,
      { timeout: 30_000 },
    );
    const played = await video.evaluate((el) => {
      const v = el as HTMLVideoElement;
      v.pause();
      return { at: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames };
    });
    expect(played.at).toBeGreaterThan(31);
    expect(played.frames).toBeGreaterThan(0);
    // What arrived: the start (header, seek index) and from the middle on, with a gap between (the seek jumped:
    // the file was not read through) and nothing of its end; the browser reads a few MiB ahead of the playhead.
    const cached = new Set(await cachedShards(b));
    const have = data.map((h) => cached.has(h));
    const n = data.length;
    expect({
      start: have[0],
      middle: have[Math.floor(n / 2)],
      gapBefore: have.slice(Math.ceil(n * 0.2), Math.floor(n * 0.45)).includes(false),
      end: have[n - 1],
    }).toEqual({ start: true, middle: true, gapBefore: true, end: false });
  } finally {
    await other.close();
  }
});

test('a video gets a poster-frame thumbnail and plays in the viewer from the stream', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
  // A short WebM recorded from a canvas by the browser itself.
  const webm = Buffer.from(
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      const ctx = canvas.getContext('2d')!;
      const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (recorder.onstop = r));
      recorder.start(100);
      for (let i = 0; i < 30; i++) {
        ctx.fillStyle = `hsl(${i * 12} 70% 50%)`;
        ctx.fillRect(0, 0, 160, 120);
        await new Promise((r) => setTimeout(r, 40));
      }
      recorder.stop();
      await stopped;
      return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
    }),
  );
  expect(webm.length).toBeGreaterThan(1000);
  await page.locator('input[type=file]').setInputFiles([{ name: 'clip.webm', mimeType: 'video/webm', buffer: webm }]);
  const row = page.locator('[data-testid=file-row][data-name="clip.webm"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
  // Its poster frame, taken on this device, is the tile's thumbnail.
  await expect(row).toHaveAttribute('data-thumb', 'shown', { timeout: 20_000 });
  expect(await row.getByTestId('file-thumb').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(160);
  await row.getByTestId('file-view').click();
  const video = page.getByTestId('viewer').getByTestId('viewer-video');
  await expect(video).toHaveAttribute('src', /^\/stream\/[0-9a-f]{32}$/);
  await page.waitForFunction(
    () => ((document.querySelector('[data-testid=viewer-video]') as HTMLVideoElement | null)?.readyState ?? 0) >= 1,
    undefined,
    { timeout: 20_000 },
  );
  expect(await video.evaluate((v) => (v as HTMLVideoElement).videoWidth)).toBe(160);
});
