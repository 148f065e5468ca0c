// Access to the runtime's WebCrypto (see core/runtime.ts), present in Node 20 and every current browser.
import { fillRandom, runtimeSubtle, type Subtle } from '../runtime.ts';

export type { Subtle, WebKey, WebKeyPair } from '../runtime.ts';

export function subtleOrNull(): Subtle | null {
  return runtimeSubtle();
}

/** Fills a new array with cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues takes at most 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) fillRandom(out.subarray(i, Math.min(length, i + 65536)));
  return out;
}

/** WebCrypto wants a BufferSource backed by an ArrayBuffer; views over shared or offset memory are fine as is. */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}
