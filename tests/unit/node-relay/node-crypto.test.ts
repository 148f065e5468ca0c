// The node:crypto fast path gives exactly the bytes WebCrypto and @noble give, and refuses what they refuse.
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { installNativeCrypto, nativeCrypto } from '../../../core/crypto/native-crypto.ts';
import { FileCipher } from '../../../core/storage/file-cipher.ts';
import { nodeCrypto, useNodeCrypto } from '../../../node-relay/crypto/node-crypto.ts';

const sizes = [0, 1, 55, 64, 4096, 65_537, 1024 * 1024];
function bytes(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

type Bytes = Uint8Array<ArrayBuffer>;
async function webSeal(key: Bytes, nonce: Bytes, aad: Bytes, plain: Bytes): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, k, plain));
}

afterEach(() => installNativeCrypto(null));

describe('node:crypto SHA-256', () => {
  it('equals WebCrypto and @noble for inputs from empty to 1 MiB', async () => {
    for (const n of sizes) {
      const data = bytes(n, n);
      const web = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
      expect(nodeCrypto.sha256(data)).toEqual(web);
      expect(nodeCrypto.sha256(data)).toEqual(nobleSha256(data));
    }
  });

  it('is what core sha256 uses once installed, and hashes views at an offset correctly', async () => {
    const whole = bytes(1000, 7);
    const view = whole.subarray(100, 900);
    installNativeCrypto(null);
    const before = await sha256(view);
    useNodeCrypto();
    expect(nativeCrypto()).toBe(nodeCrypto);
    expect(await sha256(view)).toEqual(before);
  });
});

describe('node:crypto AES-256-GCM', () => {
  const key = bytes(32, 3);
  const nonce = bytes(12, 5);
  const aad = bytes(26, 9);

  it('seals to exactly the bytes WebCrypto makes (ciphertext then tag)', async () => {
    for (const n of sizes) {
      const plain = bytes(n, n + 1);
      expect(nodeCrypto.aesGcmEncrypt(key, nonce, aad, plain)).toEqual(await webSeal(key, nonce, aad, plain));
    }
  });

  it('opens what WebCrypto sealed', async () => {
    const plain = bytes(70_000, 2);
    expect(nodeCrypto.aesGcmDecrypt(key, nonce, aad, await webSeal(key, nonce, aad, plain))).toEqual(plain);
  });

  it('refuses a changed byte, a wrong key, nonce or additional data, and input shorter than a tag', async () => {
    const sealed = await webSeal(key, nonce, aad, bytes(1000, 4));
    const flipped = sealed.slice();
    flipped[10]! ^= 1;
    expect(nodeCrypto.aesGcmDecrypt(key, nonce, aad, flipped)).toBeNull();
    expect(nodeCrypto.aesGcmDecrypt(bytes(32, 4), nonce, aad, sealed)).toBeNull();
    expect(nodeCrypto.aesGcmDecrypt(key, bytes(12, 6), aad, sealed)).toBeNull();
    expect(nodeCrypto.aesGcmDecrypt(key, nonce, bytes(26, 10), sealed)).toBeNull();
    expect(nodeCrypto.aesGcmDecrypt(key, nonce, aad, sealed.subarray(0, 15))).toBeNull();
  });
});

describe('FileCipher on the native path', () => {
  it('makes the same ciphertext as on WebCrypto, and each path opens the other one’s shards', async () => {
    const key = bytes(32, 11);
    const plain = bytes(300_000, 12);
    const web = await FileCipher.create(key);
    const fromWeb = await web.encrypt(plain, 'shard', 7);
    useNodeCrypto();
    const native = await FileCipher.create(key);
    const fromNative = await native.encrypt(plain, 'shard', 7);
    expect(fromNative).toEqual(fromWeb);
    expect(await native.decrypt(fromWeb, 'shard', 7)).toEqual(plain);
    installNativeCrypto(null);
    expect(await native.decrypt(fromNative, 'shard', 7)).toEqual(plain);
  });

  it('refuses a shard at another index with HASH_MISMATCH', async () => {
    useNodeCrypto();
    const cipher = await FileCipher.create(bytes(32, 13));
    const sealed = await cipher.encrypt(bytes(100, 1), 'shard', 1);
    await expect(cipher.decrypt(sealed, 'shard', 2)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    await expect(cipher.decrypt(sealed, 'manifest', 1)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });
});
