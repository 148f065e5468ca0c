// Short printable node ids: base32 (RFC 4648, lowercase, no padding) of the first 10 bytes of SHA-256(public key).
import { assertBytes } from '../asserts.ts';
import { sha256Sync } from '../crypto/sha256.ts';
import { PUBLIC_KEY_BYTES } from '../crypto/ed25519.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** 10 bytes = 80 bits = exactly 16 base32 characters. */
export const NODE_ID_LENGTH = 16;
const NODE_ID_RE = /^[a-z2-7]{16}$/;

export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** The node id of a public key: stable, short, and safe in URLs, file names and logs. */
export function nodeIdOf(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'public key', PUBLIC_KEY_BYTES);
  return base32(sha256Sync(publicKey).subarray(0, 10));
}

export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID_RE.test(value);
}
