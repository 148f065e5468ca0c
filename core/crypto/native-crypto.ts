// An optional native fast path for the bulk primitives (SHA-256, AES-256-GCM), installed by a shell.
//
// Why: in Node, WebCrypto runs each call as a thread-pool job that first copies its input; for 1 MiB shards
// that copy (and the fresh output buffer) cost more than the work itself. Measured on the 2-vCPU VM, CPU time
// per MiB: SHA-256 WebCrypto 0.69 ms (1.29 on a fresh buffer) vs node:crypto 0.54; AES-GCM decrypt 1.00 vs
// 0.44. core/ cannot import node:crypto (it runs in browsers), so the Node shells install this seam at start;
// browsers keep WebCrypto, and @noble stays the fallback. Every implementation is cross-checked in tests.

/** Synchronous bulk crypto. AES-GCM output is ciphertext ‖ 16-byte tag, exactly as WebCrypto's. */
export interface NativeCrypto {
  sha256(data: Uint8Array): Uint8Array;
  aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Uint8Array;
  /** Returns null when the tag does not authenticate (wrong key, nonce, aad or any changed byte). */
  aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

let installed: NativeCrypto | null = null;

/** Installs (or with null removes) the native fast path for this process. */
export function installNativeCrypto(impl: NativeCrypto | null): void {
  installed = impl;
}

/** The installed native fast path, or null (browsers, tests of the WebCrypto path). */
export function nativeCrypto(): NativeCrypto | null {
  return installed;
}
