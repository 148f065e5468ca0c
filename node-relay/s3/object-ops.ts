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
  fileNameOf,
} from './context.ts';
import { objectHeaders, streamObject, parseRange } from './object-read.ts';
import { conditionFailure, copySourceObject } from './copy-source.ts';

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
  const stored = await storeBody(ctx, fileNameOf(ctx.key), type);
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

function checkConditions(ctx: S3Context, row: ObjectRow): void {
  const h = (name: string) => headerValue(ctx, name);
  const failed = conditionFailure(
    row,
    h('if-match'),
    h('if-none-match'),
    h('if-unmodified-since'),
    h('if-modified-since'),
  );
  if (failed) throw s3Error(failed);
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

export function copyObject(ctx: S3Context, source: string): void {
  requireBucket(ctx);
  checkKey(ctx.key);
  const row = copySourceObject(ctx, source);
  const replace = headerValue(ctx, 'x-amz-metadata-directive') === 'REPLACE';
  if (!replace && row.bucket === ctx.bucket && row.key === ctx.key)
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
