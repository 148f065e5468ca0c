// What CopyObject and UploadPartCopy share: the x-amz-copy-source address, its conditional headers, and the
// ETag / HTTP-date comparisons that GetObject's own conditions use too.
import { s3Error } from './errors.ts';
import type { ObjectRow } from './object-index.ts';
import { headerValue, requireBucket, type S3Context } from './context.ts';

function httpDate(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** Whether an If-Match / If-None-Match list names `etag` (or is `*`). */
function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((e) => {
    const t = e.trim();
    return t === '*' || t.replace(/^W\//, '').replace(/^"|"$/g, '') === etag;
  });
}

/**
 * Which of RFC 7232's conditions fails for `row`, in S3's order: If-Match, If-Unmodified-Since (412), If-None-Match,
 * If-Modified-Since (304); a true If-Match wins over a false If-Unmodified-Since, a false If-None-Match over a true
 * If-Modified-Since. Null when all hold.
 */
export function conditionFailure(
  row: ObjectRow,
  ifMatch: string | undefined,
  ifNoneMatch: string | undefined,
  ifUnmodifiedSince: string | undefined,
  ifModifiedSince: string | undefined,
): 'PreconditionFailed' | 'NotModified' | null {
  const seconds = Math.floor(row.mtime / 1000) * 1000;
  const unmodified = httpDate(ifUnmodifiedSince);
  const modified = httpDate(ifModifiedSince);
  if (ifMatch !== undefined && !etagMatches(ifMatch, row.etag)) return 'PreconditionFailed';
  if (ifMatch === undefined && unmodified !== null && seconds > unmodified) return 'PreconditionFailed';
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, row.etag)) return 'NotModified';
  if (ifNoneMatch === undefined && modified !== null && seconds <= modified) return 'NotModified';
  return null;
}

/** The bucket and key an x-amz-copy-source names ("/bucket/key" or "bucket/key", percent-encoded, no versions). */
export function copySource(text: string): { bucket: string; key: string } {
  const [path, version] = text.split('?');
  if (version !== undefined && !/^versionId=(null)?$/.test(version))
    throw s3Error('NotImplemented', 'object versions are not supported');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path!.replace(/^\//, ''));
  } catch {
    throw s3Error('InvalidArgument', 'x-amz-copy-source is not validly encoded');
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1)
    throw s3Error('InvalidArgument', 'x-amz-copy-source must be bucket/key');
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/**
 * The object x-amz-copy-source names, after its conditions (x-amz-copy-source-if-match, -if-none-match,
 * -if-unmodified-since, -if-modified-since).
 */
export function copySourceObject(ctx: S3Context, source: string): ObjectRow {
  requireBucket(ctx);
  const from = copySource(source);
  if (!ctx.gw.index.hasBucket(from.bucket)) throw s3Error('NoSuchBucket');
  const row = ctx.gw.index.getObject(from.bucket, from.key);
  if (!row) throw s3Error('NoSuchKey');
  const h = (name: string) => headerValue(ctx, `x-amz-copy-source-${name}`);
  // A copy answers 412 for every failed condition, where GetObject answers 304 for the "none-match" pair.
  if (conditionFailure(row, h('if-match'), h('if-none-match'), h('if-unmodified-since'), h('if-modified-since')))
    throw s3Error('PreconditionFailed');
  return row;
}
