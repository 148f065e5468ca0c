// Service and bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, and
// ListObjects (V1 and V2) with prefix, delimiter, markers / continuation tokens, max-keys and encoding-type=url.
import { S3_MAX_KEYS } from '../../core/limits.ts';
import { s3Error } from './errors.ts';
import { parseXml } from './xml.ts';
import { readSmallBody } from './request-body.ts';
import { continuationToken, listBucket, readContinuationToken, resumePoint } from './listing.ts';
import { isoDate, quoted, queryValue, requireBucket, sendEmpty, sendXml, type S3Context } from './context.ts';

const OWNER = { ID: 'peertree', DisplayName: 'peertree' };

/** S3's bucket naming rules (the DNS-compatible ones every client expects). */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !/\.\.|^\d+\.\d+\.\d+\.\d+$/.test(name);
}

export function listBuckets(ctx: S3Context): void {
  const buckets = ctx.gw.index.listBuckets().map((b) => ({ Name: b.name, CreationDate: isoDate(b.created) }));
  sendXml(ctx, 200, 'ListAllMyBucketsResult', { Owner: OWNER, Buckets: { Bucket: buckets } });
}

export async function createBucket(ctx: S3Context): Promise<void> {
  if (!isValidBucketName(ctx.bucket)) throw s3Error('InvalidBucketName');
  const body = await readSmallBody(ctx.req, ctx.auth);
  // A location constraint is accepted and ignored: the gateway has one place, the tree.
  if (body.length > 0) parseXml(body, 'CreateBucketConfiguration');
  if (!ctx.gw.index.createBucket(ctx.bucket, ctx.gw.now())) throw s3Error('BucketAlreadyOwnedByYou');
  sendEmpty(ctx, 200, { Location: `/${ctx.bucket}` });
}

export function deleteBucket(ctx: S3Context): void {
  const outcome = ctx.gw.index.deleteBucket(ctx.bucket);
  if (outcome === 'missing') throw s3Error('NoSuchBucket');
  if (outcome === 'not-empty') throw s3Error('BucketNotEmpty');
  sendEmpty(ctx, 204);
}

export function headBucket(ctx: S3Context): void {
  requireBucket(ctx);
  sendEmpty(ctx, 200, { 'x-amz-bucket-region': ctx.gw.region });
}

export function getBucketLocation(ctx: S3Context): void {
  requireBucket(ctx);
  // us-east-1 is written as an empty constraint, as S3 does.
  sendXml(ctx, 200, 'LocationConstraint', { '#text': ctx.gw.region === 'us-east-1' ? '' : ctx.gw.region });
}

function maxKeysOf(ctx: S3Context): number {
  const text = queryValue(ctx, 'max-keys');
  if (text === undefined) return S3_MAX_KEYS;
  if (!/^\d{1,9}$/.test(text)) throw s3Error('InvalidArgument', 'max-keys must be a non-negative integer');
  return Math.min(Number(text), S3_MAX_KEYS);
}

/** encoding-type=url: names go out percent-encoded (clients ask so that any byte survives XML). */
function encoderOf(ctx: S3Context): (text: string) => string {
  const type = queryValue(ctx, 'encoding-type');
  if (type !== undefined && type !== 'url') throw s3Error('InvalidArgument', 'encoding-type must be url');
  return type === 'url' ? (t) => encodeURIComponent(t).replace(/%2F/g, '/') : (t) => t;
}

export function listObjects(ctx: S3Context, version: 1 | 2): void {
  requireBucket(ctx);
  const prefix = queryValue(ctx, 'prefix') ?? '';
  const delimiter = queryValue(ctx, 'delimiter') ?? '';
  const maxKeys = maxKeysOf(ctx);
  const enc = encoderOf(ctx);
  let after: string;
  const token = queryValue(ctx, 'continuation-token');
  const startAfter = queryValue(ctx, 'start-after') ?? '';
  const marker = queryValue(ctx, 'marker') ?? '';
  if (version === 2 && token !== undefined) {
    const at = readContinuationToken(token);
    if (at === null) throw s3Error('InvalidArgument', 'The continuation token provided is incorrect');
    after = at;
  } else after = resumePoint(version === 2 ? startAfter : marker, prefix, delimiter);
  const result = listBucket(ctx.gw.index, ctx.bucket, { prefix, delimiter, after, maxKeys });
  const contents = result.objects.map((o) => ({
    Key: enc(o.key),
    LastModified: isoDate(o.mtime),
    ETag: quoted(o.etag),
    Size: o.size,
    StorageClass: 'STANDARD',
    ...(version === 1 || queryValue(ctx, 'fetch-owner') === 'true' ? { Owner: OWNER } : {}),
  }));
  const common = result.prefixes.map((p) => ({ Prefix: enc(p) }));
  const body: Record<string, unknown> = { Name: ctx.bucket, Prefix: enc(prefix) };
  if (version === 2) {
    if (token !== undefined) body.ContinuationToken = token;
    if (startAfter !== '') body.StartAfter = enc(startAfter);
    body.KeyCount = contents.length + common.length;
  } else body.Marker = enc(marker);
  body.MaxKeys = maxKeys;
  if (delimiter !== '') body.Delimiter = enc(delimiter);
  if (queryValue(ctx, 'encoding-type') === 'url') body.EncodingType = 'url';
  body.IsTruncated = result.truncated;
  if (result.truncated && version === 2) body.NextContinuationToken = continuationToken(result.resumeAfter);
  if (result.truncated && version === 1 && delimiter !== '') body.NextMarker = enc(result.lastReturned);
  if (contents.length > 0) body.Contents = contents;
  if (common.length > 0) body.CommonPrefixes = common;
  sendXml(ctx, 200, 'ListBucketResult', body);
}
