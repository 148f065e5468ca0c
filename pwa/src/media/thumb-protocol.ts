// Messages between the page and the thumbnail worker (shared types and a guard for the worker's replies).

export interface ThumbRequest {
  readonly type: 'thumb';
  readonly job: number;
  readonly file: Blob;
  readonly mime: string;
  /** A frame decoded in the page (a video's poster), transferred: drawn instead of decoding `file`. */
  readonly frame?: ImageBitmap;
}

/** What the worker made: the two JPEG sizes (null when the picture cannot be decoded here) and the EXIF facts. */
export interface ThumbResult {
  readonly grid: Blob | null;
  readonly screen: Blob | null;
  readonly taken: number | null;
  readonly orientation: number;
  /** The picture's upright size, when it was decoded. */
  readonly width: number | null;
  readonly height: number | null;
}

export type ThumbReply =
  | ({ readonly type: 'done'; readonly job: number } & ThumbResult)
  | { readonly type: 'error'; readonly job: number; readonly message: string };

const blobOrNull = (v: unknown): boolean => v === null || v instanceof Blob;
const numOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));

export function isThumbReply(value: unknown): value is ThumbReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.job !== 'number') return false;
  if (v.type === 'error') return typeof v.message === 'string';
  return (
    v.type === 'done' &&
    blobOrNull(v.grid) &&
    blobOrNull(v.screen) &&
    numOrNull(v.taken) &&
    typeof v.orientation === 'number' &&
    numOrNull(v.width) &&
    numOrNull(v.height)
  );
}

/** Types this browser can decode into a thumbnail (HEIC and the rest get a type icon). */
export function isDecodablePicture(mime: string): boolean {
  return /^image\/(jpeg|pjpeg|png|gif|webp|bmp|avif|x-icon)$/.test(mime);
}
