// Test helper: JPEG photos drawn by the page's canvas (size, hue, a look, optional EXIF), so that tests have
// real photos of known shape and metadata without sample files.
import type { Page } from '@playwright/test';
import { withExif } from './exif-jpeg.ts';

/**
 * What a photo looks like: `plain` is one colour; `corner` adds a white band over the top left (half the width,
 * a quarter of the height) so that orientation shows; `landscape` is a sky, a sun and two hills in its hue.
 */
export type CanvasPhotoLook = 'plain' | 'corner' | 'landscape';

export interface CanvasPhoto {
  readonly width: number;
  readonly height: number;
  /** The photo's colour, an HSL hue in degrees. */
  readonly hue: number;
  /** Default `plain`. */
  readonly look?: CanvasPhotoLook;
  /** JPEG quality from 0 to 1; the browser's default when absent. */
  readonly quality?: number;
  /** An EXIF APP1 segment to put in (support/exif-jpeg.ts): orientation and date taken (`2021:03:04 10:11:12`). */
  readonly exif?: { readonly orientation: number; readonly taken: string };
}

/** The photos as JPEG bytes, in the order asked, each drawn by the page's OffscreenCanvas. */
export async function canvasPhotos(page: Page, photos: readonly CanvasPhoto[]): Promise<Buffer[]> {
  const drawn = photos.map(({ width, height, hue, look, quality }) => ({ width, height, hue, look, quality }));
  const arrays = await page.evaluate(async (list) => {
    const out: number[][] = [];
    for (const s of list) {
      const [w, h] = [s.width, s.height];
      const c = new OffscreenCanvas(w, h);
      const x = c.getContext('2d')!;
      if (s.look === 'landscape') {
        const sky = x.createLinearGradient(0, 0, 0, h);
        sky.addColorStop(0, `hsl(${s.hue} 60% 35%)`);
        sky.addColorStop(1, `hsl(${(s.hue + 40) % 360} 80% 75%)`);
        x.fillStyle = sky;
        x.fillRect(0, 0, w, h);
        x.fillStyle = `hsl(${(s.hue + 180) % 360} 90% 85%)`;
        x.beginPath();
        x.arc(w * 0.7, h * 0.3, Math.min(w, h) * 0.1, 0, Math.PI * 2);
        x.fill();
        for (const [lift, light] of [
          [0.55, 30],
          [0.7, 20],
        ] as const) {
          x.fillStyle = `hsl(${(s.hue + 90) % 360} 45% ${light}%)`;
          x.beginPath();
          x.moveTo(0, h);
          x.quadraticCurveTo(w * 0.3, h * lift - h * 0.25, w * 0.6, h * lift);
          x.quadraticCurveTo(w * 0.85, h * lift + h * 0.1, w, h * lift - h * 0.05);
          x.lineTo(w, h);
          x.fill();
        }
      } else {
        x.fillStyle = `hsl(${s.hue} 70% 45%)`;
        x.fillRect(0, 0, w, h);
        if (s.look === 'corner') {
          x.fillStyle = '#fff';
          x.fillRect(0, 0, w / 2, h / 4);
        }
      }
      const options = s.quality === undefined ? { type: 'image/jpeg' } : { type: 'image/jpeg', quality: s.quality };
      const blob = await c.convertToBlob(options);
      out.push(Array.from(new Uint8Array(await blob.arrayBuffer())));
    }
    return out;
  }, drawn);
  return arrays.map((a, i) => {
    const exif = photos[i]!.exif;
    return Buffer.from(exif ? withExif(Uint8Array.from(a), exif) : a);
  });
}

/** `jpegs` as files for an `<input type=file>` (Playwright's setInputFiles), named by `name(i)`. */
export function jpegFiles(
  jpegs: readonly Buffer[],
  name: (i: number) => string,
): { name: string; mimeType: string; buffer: Buffer }[] {
  return jpegs.map((buffer, i) => ({ name: name(i), mimeType: 'image/jpeg', buffer }));
}
