// The manifest: what a file is (name, size, type, whole-file hash) and which shards, in order, hold it.
import { fromBase64Url, fromUtf8, utf8 } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';
import { MAX_FILE_NAME_LENGTH, MAX_INLINE_STORED_BYTES, MAX_MIME_LENGTH, MAX_PAYLOAD_BYTES } from '../limits.ts';
import { isShardHash } from './capability.ts';

export const MANIFEST_VERSION = 1;
export const MIN_SHARD_BYTES = 4 * 1024;

export interface Manifest {
  readonly v: 1;
  /** File name as the user gave it (no path). */
  readonly name: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** MIME type, or application/octet-stream. */
  readonly type: string;
  /** SHA-256 (hex) of the whole plaintext file. */
  readonly hash: string;
  /** Plaintext bytes per shard (the last one may be shorter). */
  readonly shardSize: number;
  /** SHA-256 (hex) of each shard's stored bytes, in file order. */
  readonly shards: readonly string[];
  /** Encryption parameters, or null for a public file. */
  readonly enc: { readonly alg: 'AES-256-GCM'; readonly nonce: 'domain-index-v1' } | null;
  /**
   * A small file's only shard, as stored (sealed for an encrypted file), base64url: it was never stored on its
   * own, and its SHA-256 must still equal shards[0]. Absent in manifests of larger (and older) files.
   */
  readonly inline?: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The stored bytes of shard `index` when the manifest carries them, else null (fetch the shard). */
// eslint-disable-next-line no-control-regex -- NUL in a name is exactly what this refuses
const BAD_NAME_CHARS = /[/\\\u0000]/;

export function inlineShard(m: Manifest, index: number): Uint8Array | null {
  return m.inline !== undefined && index === 0 ? fromBase64Url(m.inline) : null;
}

/** Shards stored on relays on their own (what a get fetches and a delete releases): not an inlined one. */
export function storedShards(m: Manifest): readonly string[] {
  return m.inline !== undefined ? m.shards.slice(1) : m.shards;
}

function bad(what: string): never {
  throw new PeerTreeError('BAD_INPUT', `manifest: ${what}`);
}

/** Checks an untrusted parsed value and returns it as a Manifest; throws BAD_INPUT on any problem. */
export function validateManifest(value: unknown): Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('not an object');
  const m = value as Record<string, unknown>;
  if (m.v !== MANIFEST_VERSION) bad('unknown version');
  if (
    typeof m.name !== 'string' ||
    m.name.length === 0 ||
    m.name.length > MAX_FILE_NAME_LENGTH ||
    BAD_NAME_CHARS.test(m.name)
  )
    bad('name');
  if (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size < 0) bad('size');
  if (typeof m.type !== 'string' || m.type.length > MAX_MIME_LENGTH || !/^[\w.+-]+\/[\w.+-]+$/.test(m.type))
    bad('type');
  if (!isShardHash(m.hash)) bad('hash');
  if (
    typeof m.shardSize !== 'number' ||
    !Number.isSafeInteger(m.shardSize) ||
    m.shardSize < MIN_SHARD_BYTES ||
    m.shardSize > MAX_PAYLOAD_BYTES - 64
  )
    bad('shardSize');
  if (!Array.isArray(m.shards) || !m.shards.every(isShardHash)) bad('shards');
  const expected = m.size === 0 ? 0 : Math.ceil(m.size / m.shardSize);
  if (m.shards.length !== expected) bad(`expected ${expected} shards, found ${m.shards.length}`);
  if (m.enc !== null) {
    const e = m.enc as Record<string, unknown> | undefined;
    if (
      typeof e !== 'object' ||
      e === null ||
      e.alg !== 'AES-256-GCM' ||
      e.nonce !== 'domain-index-v1' ||
      Object.keys(e).length !== 2
    )
      bad('enc');
  }
  if (m.inline !== undefined) {
    // Only a one-shard file is inlined; its hash is checked against shards[0] when the shard is decoded.
    if (typeof m.inline !== 'string' || !BASE64URL.test(m.inline) || m.inline.length % 4 === 1 || m.shards.length !== 1)
      bad('inline');
    if (Math.floor((m.inline.length * 3) / 4) > MAX_INLINE_STORED_BYTES) bad('inline is too large');
  }
  return {
    v: 1,
    name: m.name,
    size: m.size,
    type: m.type,
    hash: m.hash,
    shardSize: m.shardSize,
    shards: [...(m.shards as string[])],
    enc: m.enc === null ? null : { alg: 'AES-256-GCM', nonce: 'domain-index-v1' },
    ...(m.inline !== undefined ? { inline: m.inline } : {}),
  };
}

/**
 * Serializes with a fixed field order (the bytes are hashed, so they must not depend on object history). A
 * manifest without inline data serializes exactly as before the field existed.
 */
export function serializeManifest(m: Manifest): Uint8Array {
  const ordered = {
    v: m.v,
    name: m.name,
    size: m.size,
    type: m.type,
    hash: m.hash,
    shardSize: m.shardSize,
    shards: m.shards,
    enc: m.enc,
    ...(m.inline !== undefined ? { inline: m.inline } : {}),
  };
  const bytes = utf8(JSON.stringify(ordered));
  if (bytes.length > MAX_PAYLOAD_BYTES - 64)
    throw new PeerTreeError('TOO_LARGE', 'file has too many shards for one manifest');
  return bytes;
}

export function parseManifest(bytes: Uint8Array): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch (err) {
    throw new PeerTreeError('BAD_INPUT', 'manifest is not JSON', { cause: err });
  }
  return validateManifest(value);
}

/** Strips any path from a user-supplied file name and falls back to "file". */
export function cleanFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are stripped on purpose
  const cleaned = base.replace(/[\u0000-\u001f]/g, '').slice(0, MAX_FILE_NAME_LENGTH);
  return cleaned.length > 0 && cleaned !== '.' && cleaned !== '..' ? cleaned : 'file';
}
