// AES-256-GCM for file shards and manifests: a random key per file, a unique nonce per shard.
//
// Nonce (12 bytes) = domain (1 byte: 0 shard, 1 manifest) ‖ 3 zero bytes ‖ u64be(shard index). The key is
// random per file and each (domain, index) is used once, so nonces never repeat under a key. The additional
// data binds a shard to its position, so shards cannot be reordered or swapped between positions.
import { concatBytes, utf8 } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';
import { nativeCrypto } from '../crypto/native-crypto.ts';
import { asBufferSource, randomBytes, subtleOrNull, type Subtle, type WebKey } from '../crypto/webcrypto.ts';
import { FILE_KEY_BYTES } from './capability.ts';

export const GCM_TAG_BYTES = 16;
const AAD_TAG = utf8('peertree/shard/v1\u0000');

export type CipherDomain = 'shard' | 'manifest';

export function newFileKey(): Uint8Array {
  return randomBytes(FILE_KEY_BYTES);
}

function nonceFor(domain: CipherDomain, index: number): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce[0] = domain === 'shard' ? 0 : 1;
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index), false);
  return nonce;
}

function aadFor(domain: CipherDomain, index: number): Uint8Array {
  const suffix = new Uint8Array(9);
  suffix[0] = domain === 'shard' ? 0 : 1;
  new DataView(suffix.buffer).setBigUint64(1, BigInt(index), false);
  return concatBytes(AAD_TAG, suffix);
}

function subtle(): Subtle {
  const s = subtleOrNull();
  if (!s) throw new PeerTreeError('UNAVAILABLE', 'this runtime has no WebCrypto for AES-GCM');
  return s;
}

/**
 * A file's cipher: encrypts/decrypts shards by index. With the shell's native fast path installed (Node) it uses
 * the raw key directly; otherwise it imports the key into WebCrypto once, on first use. The bytes are identical.
 */
export class FileCipher {
  private webKeyPromise: Promise<WebKey> | null = null;

  private constructor(private readonly rawKey: Uint8Array) {}

  static async create(rawKey: Uint8Array): Promise<FileCipher> {
    if (rawKey.length !== FILE_KEY_BYTES) throw new PeerTreeError('BAD_INPUT', 'file key must be 32 bytes');
    const cipher = new FileCipher(rawKey.slice());
    if (!nativeCrypto()) await cipher.webKey(); // a runtime without AES-GCM fails here, as before
    return cipher;
  }

  async encrypt(plain: Uint8Array, domain: CipherDomain, index: number): Promise<Uint8Array> {
    const native = nativeCrypto();
    if (native) return native.aesGcmEncrypt(this.rawKey, nonceFor(domain, index), aadFor(domain, index), plain);
    const params = {
      name: 'AES-GCM' as const,
      iv: asBufferSource(nonceFor(domain, index)),
      additionalData: asBufferSource(aadFor(domain, index)),
    };
    return new Uint8Array(await subtle().encrypt(params, await this.webKey(), asBufferSource(plain)));
  }

  /** Decrypts and authenticates; a wrong key, index or any changed byte throws HASH_MISMATCH. */
  async decrypt(sealed: Uint8Array, domain: CipherDomain, index: number): Promise<Uint8Array> {
    const native = nativeCrypto();
    if (native) {
      const plain = native.aesGcmDecrypt(this.rawKey, nonceFor(domain, index), aadFor(domain, index), sealed);
      if (plain) return plain;
      throw new PeerTreeError('HASH_MISMATCH', `${domain} ${index} does not decrypt with this key`);
    }
    const params = {
      name: 'AES-GCM' as const,
      iv: asBufferSource(nonceFor(domain, index)),
      additionalData: asBufferSource(aadFor(domain, index)),
    };
    try {
      return new Uint8Array(await subtle().decrypt(params, await this.webKey(), asBufferSource(sealed)));
    } catch {
      throw new PeerTreeError('HASH_MISMATCH', `${domain} ${index} does not decrypt with this key`);
    }
  }

  private webKey(): Promise<WebKey> {
    this.webKeyPromise ??= subtle().importKey('raw', asBufferSource(this.rawKey.slice()), { name: 'AES-GCM' }, false, [
      'encrypt',
      'decrypt',
    ]);
    return this.webKeyPromise;
  }
}
