// Reading an object back: S3's Range header, the response headers, and streaming the object's files in order
// (a multipart object is its parts one after another) with the socket's backpressure bounding memory.
import type { ByteRange } from '../../core/storage/get-file.ts';
import { s3Error } from './errors.ts';
import type { ObjectRow } from './object-index.ts';
import { quoted, type S3Context } from './context.ts';

/**
 * The byte range a Range header asks for within `size`, or null for the whole object (no header, or one that is not
 * a single bytes range: ignored, as HTTP says). A range starting past the end is S3's InvalidRange (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw s3Error('InvalidRange');
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) throw s3Error('InvalidRange');
  return { start, end };
}

export function objectHeaders(row: ObjectRow, range: ByteRange | null): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'Content-Type': row.contentType,
    'Content-Length': range ? range.end - range.start + 1 : row.size,
    ETag: quoted(row.etag),
    'Last-Modified': new Date(row.mtime).toUTCString(),
    'Accept-Ranges': 'bytes',
  };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${row.size}`;
  if (row.parts.length > 1) headers['x-amz-mp-parts-count'] = row.parts.length;
  for (const [name, value] of Object.entries(row.meta)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** Writes `bytes` to the response, waiting for it to drain; fails once the client has gone. */
function writer(ctx: S3Context): (bytes: Uint8Array) => Promise<void> {
  const res = ctx.res;
  return (bytes) =>
    new Promise((resolve, reject) => {
      if (res.destroyed) return reject(new Error('the client closed the connection'));
      if (res.write(bytes)) return resolve();
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        if (res.destroyed) reject(new Error('the client closed the connection'));
        else resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
}

/** The stored files covering the object's bytes `range` (or all of them), each with the range within it (or none). */
export function partSlices(row: ObjectRow, range: ByteRange | null): { capability: string; range?: ByteRange }[] {
  const from = range ? range.start : 0;
  const to = range ? range.end : row.size - 1;
  const slices = [];
  let offset = 0;
  for (const part of row.parts) {
    const first = offset;
    const last = offset + part.size - 1;
    offset += part.size;
    if (part.size === 0 || last < from || first > to) continue;
    const inner = { start: Math.max(from, first) - first, end: Math.min(to, last) - first };
    const whole = inner.start === 0 && inner.end === part.size - 1;
    slices.push(whole ? { capability: part.capability } : { capability: part.capability, range: inner });
  }
  return slices;
}

/** Streams the object (or `range` of it) part by part; the headers are already sent. */
export async function streamObject(ctx: S3Context, row: ObjectRow, range: ByteRange | null): Promise<void> {
  const write = writer(ctx);
  for (const slice of partSlices(row, range)) await ctx.gw.store.get(slice.capability, write, slice.range);
  ctx.res.end();
}
