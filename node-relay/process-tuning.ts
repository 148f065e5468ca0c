// Process-wide settings for relay and CLI processes, applied once at start (bin/peertree.js → cli/main.ts).
import { useNodeCrypto } from './crypto/node-crypto.ts';

/**
 * Shards are hashed and encrypted with OpenSSL directly (node:crypto) instead of WebCrypto's job queue: on the
 * 2-vCPU VM with a 5-relay tree this cut CPU per MiB of a get from 7.6 to 5.9 ms in the client and from 8.2 to
 * 7.0 ms in the relay it asks (see core/crypto/native-crypto.ts).
 */
export function tuneProcess(): void {
  useNodeCrypto();
}
