// What a photo says about itself: the EXIF date taken and orientation (read by ExifReader, never by hand),
// and the pure geometry that turns an orientation into a drawing transform. Used by the thumbnail worker.
import ExifReader from 'exifreader';

/** EXIF orientation 1..8 (1: as stored; 6: turn 90° clockwise to view; …). */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface PhotoMeta {
  /** When the photo was taken (ms since the epoch), or null when the file does not say. */
  readonly taken: number | null;
  readonly orientation: Orientation;
  /** Pixel size as stored (before orientation), when the file says. */
  readonly stored: { readonly width: number; readonly height: number } | null;
}

const NONE: PhotoMeta = { taken: null, orientation: 1, stored: null };

/**
 * "2021:03:04 10:11:12" (EXIF local time) → ms. With an EXIF offset ("+02:00") the instant is exact; without
 * one the wall-clock time is read in this device's time zone, which is what the person saw on the camera.
 */
export function parseExifDate(text: string, offset?: string | null): number | null {
  const m = /^(\d{4}):(\d\d):(\d\d)[ T](\d\d):(\d\d):(\d\d)/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, hh, mi, ss] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60) return null;
  const o = offset ? /^([+-])(\d\d):(\d\d)$/.exec(offset.trim()) : null;
  if (o) {
    const sign = o[1] === '-' ? -1 : 1;
    return Date.UTC(y, mo - 1, d, hh, mi, ss) - sign * (Number(o[2]) * 60 + Number(o[3])) * 60_000;
  }
  const t = new Date(y, mo - 1, d, hh, mi, ss).getTime();
  return Number.isFinite(t) ? t : null;
}

function tagText(tags: Record<string, unknown>, name: string): string | null {
  const t = tags[name] as { description?: unknown; value?: unknown } | undefined;
  if (!t) return null;
  if (typeof t.description === 'string') return t.description;
  if (Array.isArray(t.value) && typeof t.value[0] === 'string') return t.value[0];
  return null;
}

function tagNumber(tags: Record<string, unknown>, name: string): number | null {
  const t = tags[name] as { value?: unknown } | undefined;
  const v = Array.isArray(t?.value) ? t.value[0] : t?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Reads the date taken and the orientation from a photo's first bytes; a file without EXIF gives the defaults. */
export function readPhotoMeta(bytes: ArrayBuffer): PhotoMeta {
  let tags: Record<string, unknown>;
  try {
    tags = ExifReader.load(bytes) as unknown as Record<string, unknown>;
  } catch {
    return NONE; // no metadata, or not a format ExifReader knows: nothing is known
  }
  const o = tagNumber(tags, 'Orientation');
  const orientation = (o !== null && Number.isInteger(o) && o >= 1 && o <= 8 ? o : 1) as Orientation;
  const date = tagText(tags, 'DateTimeOriginal') ?? tagText(tags, 'DateTimeDigitized') ?? tagText(tags, 'DateTime');
  const taken = date === null ? null : parseExifDate(date, tagText(tags, 'OffsetTimeOriginal'));
  const w = tagNumber(tags, 'Image Width') ?? tagNumber(tags, 'PixelXDimension');
  const h = tagNumber(tags, 'Image Height') ?? tagNumber(tags, 'PixelYDimension');
  return { taken, orientation, stored: w && h ? { width: w, height: h } : null };
}

/** Orientations 5..8 swap width and height. */
export function swapsSides(o: Orientation): boolean {
  return o >= 5;
}

/** The size of the picture as it should be viewed. */
export function orientedSize(width: number, height: number, o: Orientation): { width: number; height: number } {
  return swapsSides(o) ? { width: height, height: width } : { width, height };
}

/**
 * Browsers decode with the orientation applied (createImageBitmap's default since the spec said so); an old
 * one hands back the stored pixels. This tells which happened: a rotating orientation whose decoded size is
 * still the stored size (of a picture that is not square) was not applied.
 */
export function orientationApplied(
  o: Orientation,
  stored: { width: number; height: number } | null,
  decoded: { width: number; height: number },
): boolean {
  if (o === 1 || !stored || !swapsSides(o) || stored.width === stored.height) return true;
  return !(decoded.width === stored.width && decoded.height === stored.height);
}

/**
 * The canvas transform [a, b, c, d, e, f] that draws a stored picture of `width`×`height` (already scaled)
 * upright, onto a canvas of orientedSize(width, height, o).
 */
export function orientationTransform(
  o: Orientation,
  width: number,
  height: number,
): [number, number, number, number, number, number] {
  switch (o) {
    case 2:
      return [-1, 0, 0, 1, width, 0];
    case 3:
      return [-1, 0, 0, -1, width, height];
    case 4:
      return [1, 0, 0, -1, 0, height];
    case 5:
      return [0, 1, 1, 0, 0, 0];
    case 6:
      return [0, 1, -1, 0, height, 0];
    case 7:
      return [0, -1, -1, 0, height, width];
    case 8:
      return [0, -1, 1, 0, 0, width];
    default:
      return [1, 0, 0, 1, 0, 0];
  }
}

/** The size to scale a `width`×`height` picture to so that its long side is at most `max` (never enlarged). */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
