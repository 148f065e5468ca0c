// UploadPartCopy: a part of a multipart upload made from (a byte range of) a stored object. The source bytes are
// read and stored again as the part's own file, one piece at a time (the put's pull bounds memory); its ETag is
// the MD5 of the copied bytes, as S3's.
import { createHash } from 'node:crypto';
import { S3_MAX_PART_BYTES } from '../../core/limits.ts';
import type { ByteRange } from '../../core/storage/get-file.ts';
import { s3Error } from './errors.ts';
import { headerValue, isoDate, quoted, sendXml, stopOnClose, type S3Context } from './context.ts';
import { copySourceObject } from './copy-source.ts';
import { slices } from './multipart-join.ts';
import { partSlices } from './object-read.ts';
import { keepPart, partName, partNumberOf, uploadOf } from './multipart-ops.ts';

/**
 * The range x-amz-copy-source-range names in an object of `size` bytes, or the whole object when absent. S3 takes
 * only the full form `bytes=first-last` here: anything else is InvalidArgument, a range outside the object
 * InvalidRange.
 */
export function copyRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d{1,16})-(\d{1,16})$/.exec(header.trim());
  if (!m) throw s3Error('InvalidArgument', 'x-amz-copy-source-range must be bytes=first-last');
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw s3Error('InvalidArgument', 'x-amz-copy-source-range must have first <= last');
  if (end >= size) throw s3Error('InvalidRange', `the range is not within the source object of ${size} bytes`);
  return { start, end };
}

export async function uploadPartCopy(ctx: S3Context, source: string): Promise<void> {
  const partNumber = partNumberOf(ctx);
  const upload = uploadOf(ctx);
  const row = copySourceObject(ctx, source);
  const range = copyRange(headerValue(ctx, 'x-amz-copy-source-range'), row.size);
  const length = range ? range.end - range.start + 1 : row.size;
  if (length > S3_MAX_PART_BYTES)
    throw s3Error('InvalidRequest', `a copied part may be at most ${S3_MAX_PART_BYTES} bytes: give a smaller range`);
  const md5 = createHash('md5');
  let size = 0;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const bytes of slices(ctx.gw.store, partSlices(row, range))) {
      md5.update(bytes);
      size += bytes.length;
      yield bytes;
    }
  }
  const stop = stopOnClose(ctx);
  const stored = await ctx.gw.store.put(hashed(), partName(upload, partNumber), upload.contentType, stop);
  if (size !== length) {
    ctx.gw.releaser.release([stored.capability]);
    throw s3Error('InternalError', `the source gave ${size} of ${length} bytes`);
  }
  const etag = md5.digest('hex');
  keepPart(ctx, upload, partNumber, { capability: stored.capability, size, md5: etag });
  sendXml(ctx, 200, 'CopyPartResult', { ETag: quoted(etag), LastModified: isoDate(ctx.gw.now()) });
}
