// The Node implementation of core's NativeCrypto seam: SHA-256 and AES-256-GCM from node:crypto (OpenSSL),
// synchronous and without the per-call input copy WebCrypto makes (see core/crypto/native-crypto.ts).
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { installNativeCrypto, type NativeCrypto } from '../../core/crypto/native-crypto.ts';

const TAG_BYTES = 16;

function asView(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export const nodeCrypto: NativeCrypto = {
  sha256(data) {
    return asView(createHash('sha256').update(data).digest());
  },
  aesGcmEncrypt(key, nonce, aad, plain) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    // One output buffer: ciphertext then tag, the layout WebCrypto returns.
    const out = new Uint8Array(plain.length + TAG_BYTES);
    const body = cipher.update(plain);
    out.set(body, 0);
    const tail = cipher.final();
    out.set(tail, body.length);
    out.set(cipher.getAuthTag(), body.length + tail.length);
    return out;
  },
  aesGcmDecrypt(key, nonce, aad, sealed) {
    if (sealed.length < TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      const tail = decipher.final();
      if (tail.length === 0) return asView(body);
      const out = new Uint8Array(body.length + tail.length);
      out.set(body, 0);
      out.set(tail, body.length);
      return out;
    } catch {
      return null;
    }
  },
};

/** Installs the node:crypto fast path for this process (relay and CLI call this at start). */
export function useNodeCrypto(): void {
  installNativeCrypto(nodeCrypto);
}
