// Object operations: PutObject (streamed into the tree, visible only once stored), GetObject with Range and
// conditions, HeadObject, DeleteObject, DeleteObjects and CopyObject (a new key for the same stored bytes).
import { S3_MAX_DELETE_KEYS } from '../../core/limits.ts';
import { s3Error } from './errors.ts';
import { parseXml, textOf } from './xml.ts';
import { Payload, readSmallBody } from './request-body.ts';
import type { ObjectRow } from './object-index.ts';
import {
  checkKey,
  headerValue,
  isoDate,
  quoted,
  queryValue,
  requireBucket,
  sendEmpty,
  sendXml,
  userMetadata,
  type S3Context,
} from './context.ts';
import { objectHeaders, streamObject, parseRange } from './object-read.ts';

/** Streams the request body into one stored file; the caller's S3 error if the body was bad (nothing stays). */
export async function storeBody(
  ctx: S3Context,
  name: string,
  type: string,
): Promise<{ capability: string; size: number; md5: string }> {
  const payload = new Payload(ctx.req, ctx.auth);
  let outcome;
  try {
    outcome = await ctx.gw.store.put(payload.stream(), name, type, payload);
  } catch (err) {
    throw payload.failure ?? err;
  }
  // A failure after the last byte (a digest that does not match) is found only now: take the file back.
  if (payload.failure) {
    ctx.gw.releaser.release([outcome.capability]);
    throw payload.failure;
  }
  return { capability: outcome.capability, size: payload.size, md5: payload.md5Hex() };
}

function contentTypeOf(ctx: S3Context): string {
  return headerValue(ctx, 'content-type') ?? 'binary/octet-stream';
}

export async function putObject(ctx: S3Context): Promise<void> {
  requireBucket(ctx);
  checkKey(ctx.key);
  const meta = userMetadata(ctx);
  const type = contentTypeOf(ctx);
  const stored = await storeBody(ctx, ctx.key.split('/').pop() || ctx.key, type);
  const row: ObjectRow = {
    bucket: ctx.bucket,
    key: ctx.key,
    size: stored.size,
    etag: stored.md5,
    contentType: type,
    meta,
    mtime: ctx.gw.now(),
    parts: [{ capability: stored.capability, size: stored.size }],
  };
  ctx.gw.releaser.release(ctx.gw.index.putObject(row));
  sendEmpty(ctx, 200, { ETag: quoted(row.etag) });
}

function objectOf(ctx: S3Context): ObjectRow {
  requireBucket(ctx);
  checkKey(ctx.key);
  const row = ctx.gw.index.getObject(ctx.bucket, ctx.key);
  if (!row) throw s3Error('NoSuchKey');
  return row;
}

function httpDate(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((e) => {
    const t = e.trim();
    return t === '*' || t.replace(/^W\//, '').replace(/^"|"$/g, '') === etag;
  });
}

/** RFC 7232's order, as S3: If-Match, If-Unmodified-Since (412), If-None-Match, If-Modified-Since (304). */
function checkConditions(ctx: S3Context, row: ObjectRow): void {
  const seconds = Math.floor(row.mtime / 1000) * 1000;
  const ifMatch = headerValue(ctx, 'if-match');
  const ifNoneMatch = headerValue(ctx, 'if-none-match');
  const unmodified = httpDate(headerValue(ctx, 'if-unmodified-since'));
  const modified = httpDate(headerValue(ctx, 'if-modified-since'));
  if (ifMatch !== undefined && !etagMatches(ifMatch, row.etag)) throw s3Error('PreconditionFailed');
  if (ifMatch === undefined && unmodified !== null && seconds > unmodified) throw s3Error('PreconditionFailed');
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, row.etag)) throw s3Error('NotModified');
  if (ifNoneMatch === undefined && modified !== null && seconds <= modified) throw s3Error('NotModified');
}

export async function getObject(ctx: S3Context, head: boolean): Promise<void> {
  const row = objectOf(ctx);
  checkConditions(ctx, row);
  const range = parseRange(headerValue(ctx, 'range'), row.size);
  const headers = objectHeaders(row, range);
  for (const [param, name] of [
    ['response-content-type', 'Content-Type'],
    ['response-content-disposition', 'Content-Disposition'],
    ['response-content-encoding', 'Content-Encoding'],
    ['response-content-language', 'Content-Language'],
    ['response-cache-control', 'Cache-Control'],
    ['response-expires', 'Expires'],
  ] as const) {
    const v = queryValue(ctx, param);
    if (v !== undefined) headers[name] = v;
  }
  ctx.res.writeHead(range ? 206 : 200, headers);
  if (head) return void ctx.res.end();
  await streamObject(ctx, row, range);
}

export function deleteObject(ctx: S3Context): void {
  requireBucket(ctx);
  checkKey(ctx.key);
  ctx.gw.releaser.release(ctx.gw.index.deleteObject(ctx.bucket, ctx.key));
  sendEmpty(ctx, 204);
}

export async function deleteObjects(ctx: S3Context): Promise<void> {
  requireBucket(ctx);
  const doc = parseXml(await readSmallBody(ctx.req, ctx.auth), 'Delete');
  const objects = (doc.Object ?? []) as unknown[];
  if (!Array.isArray(objects) || objects.length === 0) throw s3Error('MalformedXML', 'Delete names no Object');
  if (objects.length > S3_MAX_DELETE_KEYS)
    throw s3Error('MalformedXML', `Delete names more than ${S3_MAX_DELETE_KEYS} objects`);
  const quiet = textOf(doc.Quiet) === 'true';
  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const o of objects) {
    const key = textOf((o as Record<string, unknown> | null)?.Key);
    if (key === undefined) throw s3Error('MalformedXML', 'an Object has no Key');
    try {
      checkKey(key);
      ctx.gw.releaser.release(ctx.gw.index.deleteObject(ctx.bucket, key));
      deleted.push({ Key: key });
    } catch (err) {
      errors.push({ Key: key, Code: 'InvalidArgument', Message: (err as Error).message });
    }
  }
  sendXml(ctx, 200, 'DeleteResult', {
    ...(quiet ? {} : { Deleted: deleted }),
    ...(errors.length > 0 ? { Error: errors } : {}),
  });
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

export function copyObject(ctx: S3Context, source: string): void {
  requireBucket(ctx);
  checkKey(ctx.key);
  const from = copySource(source);
  if (!ctx.gw.index.hasBucket(from.bucket)) throw s3Error('NoSuchBucket');
  const row = ctx.gw.index.getObject(from.bucket, from.key);
  if (!row) throw s3Error('NoSuchKey');
  const ifMatch = headerValue(ctx, 'x-amz-copy-source-if-match');
  if (ifMatch !== undefined && !etagMatches(ifMatch, row.etag)) throw s3Error('PreconditionFailed');
  const ifNoneMatch = headerValue(ctx, 'x-amz-copy-source-if-none-match');
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, row.etag)) throw s3Error('PreconditionFailed');
  const replace = headerValue(ctx, 'x-amz-metadata-directive') === 'REPLACE';
  if (!replace && from.bucket === ctx.bucket && from.key === ctx.key)
    throw s3Error(
      'InvalidRequest',
      'This copy request is illegal because it is trying to copy an object to itself without changing the metadata.',
    );
  // The same stored bytes under a second name: the pins stay until no key references them.
  const copy: ObjectRow = {
    ...row,
    bucket: ctx.bucket,
    key: ctx.key,
    mtime: ctx.gw.now(),
    ...(replace ? { meta: userMetadata(ctx), contentType: contentTypeOf(ctx) } : {}),
  };
  ctx.gw.releaser.release(ctx.gw.index.putObject(copy));
  sendXml(ctx, 200, 'CopyObjectResult', { LastModified: isoDate(copy.mtime), ETag: quoted(copy.etag) });
}
