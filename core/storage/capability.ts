// Capabilities: the one short string that names a stored file (manifest hash, plus the key when encrypted).
//
//   public:     pt1.<manifest hash, 64 hex>
//   encrypted:  pt1.<manifest hash, 64 hex>.<32-byte AES key, base64url>
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';

export const CAPABILITY_PREFIX = 'pt1';
export const FILE_KEY_BYTES = 32;
const HASH_RE = /^[0-9a-f]{64}$/;
const KEY_RE = /^[A-Za-z0-9_-]{43}$/;

export interface Capability {
  /** SHA-256 (hex) of the manifest shard's stored bytes. */
  readonly manifest: string;
  /** The per-file AES-256-GCM key, or null for public (plaintext) files. */
  readonly key: Uint8Array | null;
}

export function isShardHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_RE.test(value);
}

export function formatCapability(cap: Capability): string {
  if (!isShardHash(cap.manifest)) throw new PeerTreeError('BAD_INPUT', 'manifest hash must be 64 lowercase hex chars');
  if (cap.key === null) return `${CAPABILITY_PREFIX}.${cap.manifest}`;
  if (cap.key.length !== FILE_KEY_BYTES) throw new PeerTreeError('BAD_INPUT', 'file key must be 32 bytes');
  return `${CAPABILITY_PREFIX}.${cap.manifest}.${toBase64Url(cap.key)}`;
}

/** Parses a capability string; throws BAD_INPUT with a clear message for anything else. */
export function parseCapability(text: string): Capability {
  if (typeof text !== 'string' || text.length > 200) throw new PeerTreeError('BAD_INPUT', 'not a capability');
  const parts = text.trim().split('.');
  if (parts[0] !== CAPABILITY_PREFIX || (parts.length !== 2 && parts.length !== 3)) {
    throw new PeerTreeError('BAD_INPUT', `a capability looks like ${CAPABILITY_PREFIX}.<64 hex>[.<key>]`);
  }
  const manifest = parts[1]!;
  if (!isShardHash(manifest)) throw new PeerTreeError('BAD_INPUT', 'capability hash must be 64 lowercase hex chars');
  if (parts.length === 2) return { manifest, key: null };
  if (!KEY_RE.test(parts[2]!)) throw new PeerTreeError('BAD_INPUT', 'capability key must be 32 bytes of base64url');
  return { manifest, key: fromBase64Url(parts[2]!) };
}
