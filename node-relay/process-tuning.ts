// Process-wide settings for Node processes that run PeerTree (relay, CLI, the benchmarks' library client):
// core's crypto seams get node:crypto (OpenSSL) instead of WebCrypto. Idempotent; call once at start.
import { installEd25519Backend } from '../core/crypto/ed25519.ts';
import { createNodeEd25519 } from './crypto/node-ed25519.ts';
import { useNodeCrypto } from './crypto/node-crypto.ts';

/**
 * - SHA-256 and AES-256-GCM of shards synchronously through OpenSSL: WebCrypto's jobs copy every 1 MiB input
 *   (2-vCPU VM, 5 relays, 128 MiB: CPU per MiB of a get 7.6 → 5.9 ms in the client, 8.2 → 7.0 ms in the relay
 *   it asked; see core/crypto/native-crypto.ts).
 * - Ed25519 through node:crypto's callback form: ≈ 1 µs of main-thread time per signature or verification where
 *   WebCrypto costs ≈ 30 µs (crypto/node-ed25519.ts); installed before any identity is loaded, so it signs too.
 */
export function tuneProcess(): Promise<void> {
  tuned ??= (async () => {
    useNodeCrypto();
    await installEd25519Backend(createNodeEd25519());
  })();
  return tuned;
}

let tuned: Promise<void> | null = null;
