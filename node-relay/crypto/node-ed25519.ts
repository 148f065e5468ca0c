// Ed25519 through node:crypto, the Node shell's provider for core's Ed25519 seam (installEd25519Backend).
//
// Why not WebCrypto, which Node also has: each WebCrypto job costs ≈ 30 µs of main-thread time before it
// reaches the threadpool (argument normalization, key handles, promise plumbing), and a relay verifies one
// frame and signs one reply per message on a single JavaScript thread. node:crypto's callback form runs the
// same OpenSSL operation on the libuv threadpool for ≈ 1 µs of main-thread time, so the relay's one thread is
// left to the protocol and verifications spread over every core. It is the same OpenSSL as Node's WebCrypto,
// so exactly the same signatures are accepted (cross-checked against WebCrypto and @noble in the tests).
import {
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  type webcrypto,
} from 'node:crypto';
import {
  PUBLIC_KEY_BYTES,
  SEED_BYTES,
  SIGNATURE_BYTES,
  type Ed25519Backend,
  type SigningKey,
} from '../../core/crypto/ed25519.ts';
import { assertBytes } from '../../core/asserts.ts';
import type { WebKey } from '../../core/runtime.ts';
import { MAX_CACHED_PUBLIC_KEYS } from '../../core/limits.ts';

// DER prefixes (RFC 8410): PKCS#8 private key around a 32-byte seed, SubjectPublicKeyInfo around a raw key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyOf(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** A view of `bytes` as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function createNodeEd25519(): Ed25519Backend {
  const publicKeys = new Map<string, KeyObject | null>();
  const seedKeys = new WeakMap<Uint8Array, KeyObject>();
  const cryptoKeys = new WeakMap<WebKey, KeyObject>();

  /** The key object of a raw public key; null when OpenSSL refuses the bytes as a key. */
  function publicKeyOf(raw: Uint8Array): KeyObject | null {
    const cacheKey = asBuffer(raw).toString('latin1');
    let key = publicKeys.get(cacheKey);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      } catch {
        key = null;
      }
      if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value!);
      publicKeys.set(cacheKey, key);
    }
    return key;
  }

  function signingKeyOf(key: SigningKey): KeyObject {
    if (key.kind === 'seed') {
      let k = seedKeys.get(key.seed);
      if (k === undefined) {
        k = privateKeyOf(key.seed);
        seedKeys.set(key.seed, k);
      }
      return k;
    }
    let k = cryptoKeys.get(key.key);
    if (k === undefined) {
      // A WebKey here is a WebCrypto CryptoKey made by this same runtime (node:crypto's webcrypto).
      k = KeyObject.from(key.key as webcrypto.CryptoKey);
      cryptoKeys.set(key.key, k);
    }
    return k;
  }

  return {
    name: 'node',
    async publicKeyFromSeed(seed) {
      assertBytes(seed, 'seed', SEED_BYTES);
      const spki = createPublicKey(privateKeyOf(seed)).export({ format: 'der', type: 'spki' });
      return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
    },
    sign(key, message) {
      const privateKey = signingKeyOf(key);
      return new Promise((resolve, reject) => {
        nodeSign(null, message, privateKey, (err, signature) =>
          err ? reject(err) : resolve(new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength)),
        );
      });
    },
    verify(publicKey, message, signature) {
      if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return Promise.resolve(false);
      const key = publicKeyOf(publicKey);
      if (key === null) return Promise.resolve(false);
      return new Promise((resolve) => {
        try {
          nodeVerify(null, message, key, signature, (err, ok) => resolve(err ? false : ok));
        } catch {
          resolve(false);
        }
      });
    },
  };
}
