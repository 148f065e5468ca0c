// Web Worker: makes a photo's grid and screen thumbnails (createImageBitmap + OffscreenCanvas, upright as EXIF
// orientation says) and reads its date taken, so that the page never decodes a large picture on its thread;
// a video's poster frame comes decoded from the page and is scaled here the same way.
import {
  EXIF_READ_BYTES,
  MAX_THUMB_SOURCE_BYTES,
  THUMB_GRID_PX,
  THUMB_QUALITY_PERCENT,
  THUMB_SCREEN_PX,
} from '../../../core/limits.ts';
import {
  fitWithin,
  orientationApplied,
  orientationTransform,
  orientedSize,
  readPhotoMeta,
  type Orientation,
} from './photo-meta.ts';
import { isDecodablePicture, type ThumbReply, type ThumbRequest, type ThumbResult } from './thumb-protocol.ts';

const reply = (message: ThumbReply): void => (self as unknown as Worker).postMessage(message);

/** One size: scaled so that its long side is at most `max`, drawn upright on white (JPEG has no alpha). */
async function render(bitmap: ImageBitmap, o: Orientation, max: number): Promise<Blob> {
  const fit = fitWithin(bitmap.width, bitmap.height, max);
  const size = orientedSize(fit.width, fit.height, o);
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas in this worker');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size.width, size.height);
  ctx.setTransform(...orientationTransform(o, fit.width, fit.height));
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, fit.width, fit.height);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: THUMB_QUALITY_PERCENT / 100 });
}

/** A video's poster frame (decoded in the page): scaled as it is, no EXIF. */
async function fromFrame(frame: ImageBitmap): Promise<ThumbResult> {
  try {
    const grid = await render(frame, 1, THUMB_GRID_PX);
    const screen = await render(frame, 1, THUMB_SCREEN_PX);
    return { grid, screen, taken: null, orientation: 1, width: frame.width, height: frame.height };
  } finally {
    frame.close();
  }
}

async function make(file: Blob, mime: string, frame?: ImageBitmap): Promise<ThumbResult> {
  if (frame) return fromFrame(frame);
  const meta = readPhotoMeta(await file.slice(0, EXIF_READ_BYTES).arrayBuffer());
  const none: ThumbResult = {
    grid: null,
    screen: null,
    taken: meta.taken,
    orientation: meta.orientation,
    width: null,
    height: null,
  };
  if (!isDecodablePicture(mime) || file.size > MAX_THUMB_SOURCE_BYTES || typeof OffscreenCanvas === 'undefined')
    return none;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return none; // not a picture this browser decodes (or damaged): the grid shows a type icon
  }
  try {
    // Browsers apply the orientation while decoding; turn it here only when this one did not.
    const o: Orientation = orientationApplied(meta.orientation, meta.stored, bitmap) ? 1 : meta.orientation;
    const grid = await render(bitmap, o, THUMB_GRID_PX);
    const screen = await render(bitmap, o, THUMB_SCREEN_PX);
    const upright = orientedSize(bitmap.width, bitmap.height, o);
    return {
      grid,
      screen,
      taken: meta.taken,
      orientation: meta.orientation,
      width: upright.width,
      height: upright.height,
    };
  } finally {
    bitmap.close();
  }
}

// One picture at a time: two large decodes never hold memory at once.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<unknown>) => {
  const request = event.data as Partial<ThumbRequest> | null;
  if (!request || request.type !== 'thumb' || typeof request.job !== 'number' || !(request.file instanceof Blob))
    return;
  const valid = request as ThumbRequest;
  queue = queue.then(() =>
    make(
      valid.file,
      typeof valid.mime === 'string' ? valid.mime : '',
      valid.frame instanceof ImageBitmap ? valid.frame : undefined,
    ).then(
      (result) => reply({ type: 'done', job: valid.job, ...result }),
      (err: unknown) =>
        reply({ type: 'error', job: valid.job, message: err instanceof Error ? err.message : String(err) }),
    ),
  );
};
