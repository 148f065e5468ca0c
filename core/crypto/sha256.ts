// SHA-256 through WebCrypto (fast path) with @noble/hashes as the fallback and cross-check.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nativeCrypto } from './native-crypto.ts';
import { asBufferSource, subtleOrNull } from './webcrypto.ts';

export const SHA256_BYTES = 32;

/** SHA-256 of `data`: the shell's native fast path if installed, else WebCrypto when the runtime has it. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  const native = nativeCrypto();
  if (native) return native.sha256(data);
  const subtle = subtleOrNull();
  if (subtle) return new Uint8Array(await subtle.digest('SHA-256', asBufferSource(data)));
  return nobleSha256(data);
}

/** Synchronous SHA-256 in pure JS: for small inputs (ids) and for the noble baseline. */
export function sha256Sync(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
