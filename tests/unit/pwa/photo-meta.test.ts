// The photo metadata helper: EXIF date taken and orientation from fixed sample bytes, and the orientation geometry.
import { describe, expect, it } from 'vitest';
import {
  fitWithin,
  orientationApplied,
  orientationTransform,
  orientedSize,
  parseExifDate,
  readPhotoMeta,
  type Orientation,
} from '../../../pwa/src/media/photo-meta.ts';
import { exifApp1, withExif } from '../../e2e/support/exif-jpeg.ts';

// A JPEG start, one APP1 segment (little-endian TIFF: Orientation 6, DateTimeOriginal "2021:03:04 10:11:12") and the end.
const APP1_HEX =
  'ffe1005445786966000049492a0008000000020012010300010000000600000069870400010000002600000000000000010003900200140000003800000000000000323032313a30333a30342031303a31313a313200';
const SAMPLE = Buffer.from(`ffd8${APP1_HEX}ffd9`, 'hex');

const buf = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('readPhotoMeta', () => {
  it('reads the date taken and the orientation from fixed sample bytes', () => {
    const meta = readPhotoMeta(buf(SAMPLE));
    expect(meta.orientation).toBe(6);
    expect(meta.taken).toBe(new Date(2021, 2, 4, 10, 11, 12).getTime());
  });

  it('matches what the test helper builds, for every orientation', () => {
    expect(Buffer.from(exifApp1({ orientation: 6, taken: '2021:03:04 10:11:12' })).toString('hex')).toBe(APP1_HEX);
    for (const o of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const jpeg = withExif(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), { orientation: o, taken: '1999:12:31 23:59:58' });
      expect(readPhotoMeta(buf(jpeg))).toMatchObject({
        orientation: o,
        taken: new Date(1999, 11, 31, 23, 59, 58).getTime(),
      });
    }
  });

  it('gives no date and orientation 1 for bytes without EXIF, and for an orientation out of range', () => {
    expect(readPhotoMeta(buf(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])))).toEqual({
      taken: null,
      orientation: 1,
      stored: null,
    });
    expect(readPhotoMeta(buf(new Uint8Array([0xff, 0xd8, 0xff, 0xd9])))).toMatchObject({ taken: null, orientation: 1 });
    const odd = withExif(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), { orientation: 9, taken: '2020:01:02 03:04:05' });
    expect(readPhotoMeta(buf(odd)).orientation).toBe(1);
  });
});

describe('parseExifDate', () => {
  it('reads local wall-clock time, or an exact instant with an offset', () => {
    expect(parseExifDate('2021:03:04 10:11:12')).toBe(new Date(2021, 2, 4, 10, 11, 12).getTime());
    expect(parseExifDate('2021:03:04 10:11:12', '+02:00')).toBe(Date.UTC(2021, 2, 4, 8, 11, 12));
    expect(parseExifDate('2021:03:04 10:11:12', '-05:30')).toBe(Date.UTC(2021, 2, 4, 15, 41, 12));
  });

  it('refuses what is not a date', () => {
    for (const bad of ['', '0000:00:00 00:00:00', '2021-03-04', '2021:13:01 00:00:00', '    :  :     :  :  '])
      expect(parseExifDate(bad)).toBeNull();
  });
});

describe('orientation geometry', () => {
  const apply = (m: number[], x: number, y: number): [number, number] => [
    m[0]! * x + m[2]! * y + m[4]!,
    m[1]! * x + m[3]! * y + m[5]!,
  ];

  it('maps the stored picture onto the upright canvas for every orientation', () => {
    // The stored top-left corner lands where EXIF says the viewer's top-left of the stored image goes.
    const w = 40;
    const h = 10;
    const topLeft: Record<Orientation, [number, number]> = {
      1: [0, 0],
      2: [w, 0],
      3: [w, h],
      4: [0, h],
      5: [0, 0],
      6: [h, 0],
      7: [h, w],
      8: [0, w],
    };
    for (const o of [1, 2, 3, 4, 5, 6, 7, 8] as Orientation[]) {
      const m = orientationTransform(o, w, h);
      expect(apply(m, 0, 0)).toEqual(topLeft[o]);
      // Every corner stays inside the upright canvas.
      const size = orientedSize(w, h, o);
      for (const [x, y] of [
        [0, 0],
        [w, 0],
        [0, h],
        [w, h],
      ] as const) {
        const [px, py] = apply(m, x, y);
        expect(px).toBeGreaterThanOrEqual(0);
        expect(py).toBeGreaterThanOrEqual(0);
        expect(px).toBeLessThanOrEqual(size.width);
        expect(py).toBeLessThanOrEqual(size.height);
      }
    }
    expect(orientedSize(40, 10, 6)).toEqual({ width: 10, height: 40 });
  });

  it('tells whether the browser already turned the picture', () => {
    expect(orientationApplied(6, { width: 64, height: 32 }, { width: 32, height: 64 })).toBe(true);
    expect(orientationApplied(6, { width: 64, height: 32 }, { width: 64, height: 32 })).toBe(false);
    expect(orientationApplied(1, { width: 64, height: 32 }, { width: 64, height: 32 })).toBe(true);
  });

  it('scales the long side down to the limit, never up', () => {
    expect(fitWithin(4000, 3000, 256)).toEqual({ width: 256, height: 192 });
    expect(fitWithin(100, 50, 256)).toEqual({ width: 100, height: 50 });
  });
});
