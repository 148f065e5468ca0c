// What every S3 operation gets: the parsed request, its verified signature, the index and the store, and replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3_MAX_KEY_BYTES, S3_MAX_METADATA_BYTES } from '../../core/limits.ts';
import { s3Error } from './errors.ts';
import { buildXml, withNamespace } from './xml.ts';
import type { ObjectIndex } from './object-index.ts';
import type { PeerTreeStore } from './peertree-store.ts';
import type { VerifiedRequest } from './sigv4.ts';
import type { Releaser } from './releaser.ts';
import type { Joins } from './progressive-join.ts';
import type { SavedJoins } from './saved-joins.ts';

export interface Gateway {
  readonly index: ObjectIndex;
  readonly store: PeerTreeStore;
  readonly releaser: Releaser;
  /** The region the gateway names in GetBucketLocation and its ready line. */
  readonly region: string;
  readonly now: () => number;
  /** Completed multipart uploads are joined into one file (so the library can list them by one capability). */
  readonly joinMultipart: boolean;
  /** The open progressive joins (with joinMultipart): parts that arrive in order stream into the object's file. */
  readonly joins: Joins | null;
  /** Joins ended at a stop (their files kept for Complete), and the shards of joins' puts in flight. */
  readonly savedJoins: SavedJoins;
}

export interface S3Context {
  readonly gw: Gateway;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** '' for the service (ListBuckets). */
  readonly bucket: string;
  /** '' for bucket operations. */
  readonly key: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly auth: VerifiedRequest;
  /** Words an operation adds to its request-log line (e.g. how a part was stored). */
  readonly notes: string[];
}

/** A single query value ('' for `?uploads`, undefined when absent; the first when repeated). */
export function queryValue(ctx: S3Context, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

export function headerValue(ctx: S3Context, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function sendXml(
  ctx: S3Context,
  status: number,
  root: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  const text = buildXml({ [root]: withNamespace(body) });
  ctx.res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  ctx.res.end(text);
}

export function sendEmpty(ctx: S3Context, status: number, headers: Record<string, string | number> = {}): void {
  ctx.res.writeHead(status, { 'Content-Length': 0, ...headers });
  ctx.res.end();
}

/** The bucket must exist (NoSuchBucket otherwise). */
export function requireBucket(ctx: S3Context): void {
  if (!ctx.gw.index.hasBucket(ctx.bucket)) throw s3Error('NoSuchBucket');
}

/** A key S3 would accept: non-empty, at most S3_MAX_KEY_BYTES of UTF-8. */
export function checkKey(key: string): void {
  if (key === '') throw s3Error('InvalidArgument', 'the object key is empty');
  if (Buffer.byteLength(key, 'utf8') > S3_MAX_KEY_BYTES) throw s3Error('KeyTooLongError');
}

/** The request's x-amz-meta-* headers (names without the prefix), bounded as S3 bounds them. */
export function userMetadata(ctx: S3Context): Record<string, string> {
  const meta: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const short = name.slice('x-amz-meta-'.length);
    bytes += Buffer.byteLength(short) + Buffer.byteLength(text);
    meta[short] = text;
  }
  if (bytes > S3_MAX_METADATA_BYTES) throw s3Error('MetadataTooLarge');
  return meta;
}

/** S3's timestamp form in XML (ISO 8601 with milliseconds). */
/** The file name a key's object is stored under: its last path segment (the whole key when that is empty). */
export function fileNameOf(key: string): string {
  return key.split('/').pop() || key;
}

/** A stop signal for a transfer serving `ctx`: set when the client goes away before the response finished. */
export function stopOnClose(ctx: S3Context): { readonly aborted: boolean } {
  const stop = { aborted: false };
  ctx.res.once('close', () => (stop.aborted = !ctx.res.writableFinished));
  return stop;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** S3's ETag header value: the hex digest in double quotes. */
export function quoted(etag: string): string {
  return `"${etag}"`;
}
