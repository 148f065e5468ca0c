// Bucket listings as S3 defines them: keys in UTF-8 byte order under a prefix, rolled up at the delimiter into
// CommonPrefixes, at most max-keys entries (keys and prefixes together), resumable after the last one returned.
import { S3_LIST_BATCH } from '../../core/limits.ts';
import type { ObjectIndex, ObjectRow } from './object-index.ts';

export interface ListRequest {
  readonly prefix: string;
  readonly delimiter: string;
  /** List strictly after this key ('' from the start): a continuation token, StartAfter or marker. */
  readonly after: string;
  readonly maxKeys: number;
}

export interface ListResult {
  readonly objects: ObjectRow[];
  readonly prefixes: string[];
  readonly truncated: boolean;
  /** Where the next page starts (strictly after): the last key, or past the last common prefix. */
  readonly resumeAfter: string;
  /** The last key or common prefix returned (S3's NextMarker). */
  readonly lastReturned: string;
}

/** The highest code point: `prefix + SKIP` sorts after every key that starts with `prefix` (but one with SKIP next). */
const SKIP = '\u{10FFFF}';

/** Where to start after a marker: a marker that is a rolled-up prefix resumes past everything under it. */
export function resumePoint(marker: string, prefix: string, delimiter: string): string {
  if (delimiter !== '' && marker.startsWith(prefix) && marker.endsWith(delimiter) && marker.length > prefix.length)
    return marker + SKIP;
  return marker;
}

export function listBucket(index: ObjectIndex, bucket: string, req: ListRequest): ListResult {
  const objects: ObjectRow[] = [];
  const prefixes: string[] = [];
  let after = req.after;
  let lastReturned = '';
  if (req.maxKeys <= 0) return { objects, prefixes, truncated: false, resumeAfter: after, lastReturned };
  for (;;) {
    const batch = index.listObjects(bucket, req.prefix, after, S3_LIST_BATCH);
    if (batch.length === 0) return { objects, prefixes, truncated: false, resumeAfter: after, lastReturned };
    let skipped = false;
    for (const row of batch) {
      if (objects.length + prefixes.length >= req.maxKeys)
        return { objects, prefixes, truncated: true, resumeAfter: after, lastReturned };
      const rest = row.key.slice(req.prefix.length);
      const at = req.delimiter === '' ? -1 : rest.indexOf(req.delimiter);
      if (at !== -1) {
        const common = req.prefix + rest.slice(0, at + req.delimiter.length);
        prefixes.push(common);
        lastReturned = common;
        after = common + SKIP;
        skipped = true;
        break; // re-query past everything under this prefix
      }
      objects.push(row);
      lastReturned = row.key;
      after = row.key;
    }
    if (!skipped && batch.length < S3_LIST_BATCH)
      return { objects, prefixes, truncated: false, resumeAfter: after, lastReturned };
    if (objects.length + prefixes.length >= req.maxKeys) {
      const more = index.listObjects(bucket, req.prefix, after, 1).length > 0;
      return { objects, prefixes, truncated: more, resumeAfter: after, lastReturned };
    }
  }
}

/** An opaque ListObjectsV2 continuation token for `after`. */
export function continuationToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

/** The position a continuation token names, or null when it is not one of ours. */
export function readContinuationToken(token: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) return null;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  return continuationToken(text) === token ? text : null;
}
