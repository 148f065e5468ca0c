// Multipart uploads: each part is stored as a file of its own; Complete makes the object the ordered list of the
// chosen parts' capabilities (ETag: MD5 of the parts' MD5s, "-N"), in one index transaction. With the library
// mirror on, parts arriving in order stream into one joined file instead (progressive-join.ts) and Complete
// appends the rest, so the object is one file. Abort releases the parts (and drops the join).
import { createHash, randomBytes } from 'node:crypto';
import { S3_MAX_KEYS, S3_MAX_PARTS, S3_MIN_PART_BYTES } from '../../core/limits.ts';
import { s3Error } from './errors.ts';
import { parseXml, textOf } from './xml.ts';
import { Payload, readSmallBody } from './request-body.ts';
import type { ObjectRow, UploadRow } from './object-index.ts';
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
import { storeBody } from './object-ops.ts';
import { joinedFile } from './multipart-join.ts';
import type { Join } from './progressive-join.ts';
import { isJoinMarker, joinMarker } from './join-plan.ts';

export interface StoredPart {
  readonly capability: string;
  readonly size: number;
  readonly md5: string;
}

export function uploadOf(ctx: S3Context): UploadRow {
  requireBucket(ctx);
  const id = queryValue(ctx, 'uploadId') ?? '';
  const upload = ctx.gw.index.getUpload(id);
  if (!upload || upload.bucket !== ctx.bucket || upload.key !== ctx.key) throw s3Error('NoSuchUpload');
  return upload;
}

export function createUpload(ctx: S3Context): void {
  requireBucket(ctx);
  checkKey(ctx.key);
  const upload: UploadRow = {
    id: randomBytes(16).toString('hex'),
    bucket: ctx.bucket,
    key: ctx.key,
    contentType: headerValue(ctx, 'content-type') ?? 'binary/octet-stream',
    meta: userMetadata(ctx),
    created: ctx.gw.now(),
  };
  ctx.gw.index.createUpload(upload);
  sendXml(ctx, 200, 'InitiateMultipartUploadResult', { Bucket: ctx.bucket, Key: ctx.key, UploadId: upload.id });
}

/** The request's partNumber (1 to S3_MAX_PARTS), or S3's InvalidArgument. */
export function partNumberOf(ctx: S3Context): number {
  const text = queryValue(ctx, 'partNumber') ?? '';
  const partNumber = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (partNumber < 1 || partNumber > S3_MAX_PARTS)
    throw s3Error('InvalidArgument', `Part number must be an integer between 1 and ${S3_MAX_PARTS}, inclusive`);
  return partNumber;
}

/** The stored file name of a part (what `peertree ls` would show for it). */
export function partName(upload: UploadRow, partNumber: number): string {
  return `${fileNameOf(upload.key)}.part${partNumber}`;
}

/** Records a stored part (the last upload of a number wins); drops it if the upload ended while it streamed in. */
export function keepPart(ctx: S3Context, upload: UploadRow, partNumber: number, stored: StoredPart): void {
  if (!ctx.gw.index.getUpload(upload.id)) {
    ctx.gw.releaser.release([stored.capability]);
    throw s3Error('NoSuchUpload');
  }
  ctx.gw.releaser.release(
    ctx.gw.index.putPart(upload.id, {
      partNumber,
      capability: stored.capability,
      size: stored.size,
      etag: stored.md5,
      mtime: ctx.gw.now(),
    }),
  );
}

/** Streams a claimed part's body into the upload's join: no file of its own (its index row holds a marker). */
async function joinPart(ctx: S3Context, upload: UploadRow, partNumber: number, join: Join): Promise<void> {
  const payload = new Payload(ctx.req, ctx.auth);
  try {
    await join.take(payload.stream());
  } catch (err) {
    join.release(null);
    throw payload.failure ?? err;
  }
  if (payload.failure) {
    join.release(null);
    throw payload.failure;
  }
  const part = { capability: joinMarker(upload.id, partNumber), size: payload.size, md5: payload.md5Hex() };
  join.release({ partNumber, etag: part.md5, size: part.size, source: part.capability });
  keepPart(ctx, upload, partNumber, part);
  ctx.notes.push('joined');
  sendEmpty(ctx, 200, { ETag: quoted(part.md5) });
}

export async function uploadPart(ctx: S3Context): Promise<void> {
  const partNumber = partNumberOf(ctx);
  const upload = uploadOf(ctx);
  const join = ctx.gw.joins?.start(upload.id, fileNameOf(upload.key), upload.contentType);
  if (join && (await join.claim(partNumber))) return joinPart(ctx, upload, partNumber, join);
  const stored = await storeBody(ctx, partName(upload, partNumber), upload.contentType);
  keepPart(ctx, upload, partNumber, stored);
  ctx.notes.push('stored');
  sendEmpty(ctx, 200, { ETag: quoted(stored.md5) });
}

export async function completeUpload(ctx: S3Context): Promise<void> {
  const upload = uploadOf(ctx);
  const doc = parseXml(await readSmallBody(ctx.req, ctx.auth), 'CompleteMultipartUpload');
  const listed = doc.Part;
  if (!Array.isArray(listed) || listed.length === 0)
    throw s3Error('MalformedXML', 'CompleteMultipartUpload names no Part');
  const stored = new Map(ctx.gw.index.listParts(upload.id).map((p) => [p.partNumber, p]));
  const chosen = [];
  let previous = 0;
  for (const entry of listed as Record<string, unknown>[]) {
    const number = Number(textOf(entry?.PartNumber));
    const etag = (textOf(entry?.ETag) ?? '').trim().replace(/^"|"$/g, '');
    if (!Number.isSafeInteger(number) || etag === '')
      throw s3Error('MalformedXML', 'each Part needs a PartNumber and an ETag');
    if (number <= previous) throw s3Error('InvalidPartOrder');
    previous = number;
    const part = stored.get(number);
    if (!part || part.etag !== etag) throw s3Error('InvalidPart', `part ${number} was not uploaded with ETag ${etag}`);
    chosen.push(part);
  }
  chosen.forEach((p, i) => {
    if (i < chosen.length - 1 && p.size < S3_MIN_PART_BYTES)
      throw s3Error(
        'EntityTooSmall',
        `part ${p.partNumber} is smaller than ${S3_MIN_PART_BYTES} bytes and is not the last`,
      );
  });
  const md5s = createHash('md5');
  for (const p of chosen) md5s.update(Buffer.from(p.etag, 'hex'));
  const size = chosen.reduce((n, p) => n + p.size, 0);
  let parts = chosen.map((p) => ({ capability: p.capability, size: p.size }));
  const join = ctx.gw.joins?.take(upload.id);
  if (join || chosen.some((p) => isJoinMarker(p.capability)) || (ctx.gw.joinMultipart && chosen.length > 1)) {
    // A join saved at a stop is read only when no live join took its place.
    const { capability: joined, appended } = await joinedFile(
      ctx,
      upload,
      chosen,
      join ?? ctx.gw.savedJoins.get(upload.id),
    );
    ctx.notes.push(appended ? 'appended' : 'rejoined');
    // Aborted or completed elsewhere while the parts were joined: the joined file is not kept.
    if (!ctx.gw.index.getUpload(upload.id)) {
      ctx.gw.releaser.release([joined]);
      throw s3Error('NoSuchUpload');
    }
    parts = [{ capability: joined, size }];
  }
  const row: ObjectRow = {
    bucket: upload.bucket,
    key: upload.key,
    size,
    etag: `${md5s.digest('hex')}-${chosen.length}`,
    contentType: upload.contentType,
    meta: upload.meta,
    mtime: ctx.gw.now(),
    parts,
  };
  ctx.gw.releaser.release([...ctx.gw.index.completeUpload(upload.id, row), ...ctx.gw.savedJoins.drop(upload.id)]);
  sendXml(ctx, 200, 'CompleteMultipartUploadResult', {
    Location: `/${row.bucket}/${row.key}`,
    Bucket: row.bucket,
    Key: row.key,
    ETag: quoted(row.etag),
  });
}

export function abortUpload(ctx: S3Context): void {
  const upload = uploadOf(ctx);
  ctx.gw.joins?.take(upload.id)?.abort();
  ctx.gw.releaser.release([...ctx.gw.index.abortUpload(upload.id), ...ctx.gw.savedJoins.drop(upload.id)]);
  sendEmpty(ctx, 204);
}

function limitOf(ctx: S3Context, name: string): number {
  const text = queryValue(ctx, name);
  if (text === undefined) return S3_MAX_KEYS;
  if (!/^\d{1,9}$/.test(text)) throw s3Error('InvalidArgument', `${name} must be a non-negative integer`);
  return Math.min(Number(text), S3_MAX_KEYS);
}

export function listParts(ctx: S3Context): void {
  const upload = uploadOf(ctx);
  const max = limitOf(ctx, 'max-parts');
  const marker = Number(queryValue(ctx, 'part-number-marker') ?? '0') || 0;
  const parts = ctx.gw.index.listParts(upload.id, marker, max + 1);
  const truncated = parts.length > max;
  const page = parts.slice(0, max);
  sendXml(ctx, 200, 'ListPartsResult', {
    Bucket: upload.bucket,
    Key: upload.key,
    UploadId: upload.id,
    PartNumberMarker: marker,
    ...(truncated ? { NextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
    MaxParts: max,
    IsTruncated: truncated,
    StorageClass: 'STANDARD',
    Part: page.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: isoDate(p.mtime),
      ETag: quoted(p.etag),
      Size: p.size,
    })),
  });
}

export function listUploads(ctx: S3Context): void {
  requireBucket(ctx);
  const max = limitOf(ctx, 'max-uploads');
  const prefix = queryValue(ctx, 'prefix') ?? '';
  const keyMarker = queryValue(ctx, 'key-marker') ?? '';
  const idMarker = queryValue(ctx, 'upload-id-marker') ?? '';
  const rows = ctx.gw.index.listUploads(ctx.bucket, prefix, keyMarker, keyMarker === '' ? '' : idMarker, max + 1);
  const truncated = rows.length > max;
  const page = rows.slice(0, max);
  const last = page[page.length - 1];
  sendXml(ctx, 200, 'ListMultipartUploadsResult', {
    Bucket: ctx.bucket,
    KeyMarker: keyMarker,
    UploadIdMarker: idMarker,
    ...(truncated && last ? { NextKeyMarker: last.key, NextUploadIdMarker: last.id } : {}),
    Prefix: prefix,
    MaxUploads: max,
    IsTruncated: truncated,
    Upload: page.map((u) => ({ Key: u.key, UploadId: u.id, Initiated: isoDate(u.created), StorageClass: 'STANDARD' })),
  });
}
