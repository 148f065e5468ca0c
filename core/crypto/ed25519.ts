// Ed25519 backends: WebCrypto (fast) and @noble/curves (fallback, cross-check); both give RFC 8032 signatures.
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertBytes } from '../asserts.ts';
import { PeerTreeError } from '../errors.ts';
import { fromBase64Url } from '../bytes.ts';
import { asBufferSource, randomBytes, subtleOrNull, type Subtle, type WebKey } from './webcrypto.ts';
import { MAX_CACHED_PUBLIC_KEYS } from '../limits.ts';

export const PUBLIC_KEY_BYTES = 32;
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** A private signing key held by a backend: a raw seed, or a (possibly non-extractable) CryptoKey. */
export type SigningKey = { kind: 'seed'; seed: Uint8Array } | { kind: 'cryptokey'; key: WebKey };

export interface Ed25519Backend {
  /** 'webcrypto', 'noble', or the name of a provider a shell installed (installEd25519Backend). */
  readonly name: string;
  publicKeyFromSeed(seed: Uint8Array): Promise<Uint8Array>;
  sign(key: SigningKey, message: Uint8Array): Promise<Uint8Array>;
  /** Returns false for any bad signature, key or length; never throws on hostile input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

// PKCS#8 prefix for an Ed25519 private key (RFC 8410): SEQUENCE { version 0, AlgorithmIdentifier 1.3.101.112, OCTET STRING { OCTET STRING seed } }.
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

function seedToPkcs8(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(PKCS8_PREFIX.length + SEED_BYTES);
  out.set(PKCS8_PREFIX, 0);
  out.set(seed, PKCS8_PREFIX.length);
  return out;
}

export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  async publicKeyFromSeed(seed) {
    assertBytes(seed, 'seed', SEED_BYTES);
    return ed25519.getPublicKey(seed);
  },
  async sign(key, message) {
    if (key.kind !== 'seed') throw new Error('the noble backend signs only with a raw seed');
    return ed25519.sign(message, key.seed);
  },
  async verify(publicKey, message, signature) {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};

export function createWebCryptoEd25519(subtle: Subtle): Ed25519Backend {
  const publicKeys = new Map<string, Promise<WebKey>>();
  const seedKeys = new WeakMap<Uint8Array, Promise<WebKey>>();

  function importPublic(publicKey: Uint8Array): Promise<WebKey> {
    let cacheKey = '';
    for (let i = 0; i < publicKey.length; i++) cacheKey += String.fromCharCode(publicKey[i]!);
    let key = publicKeys.get(cacheKey);
    if (!key) {
      if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value!);
      key = subtle.importKey('raw', asBufferSource(publicKey.slice()), { name: 'Ed25519' }, false, ['verify']);
      publicKeys.set(cacheKey, key);
      key.catch(() => publicKeys.delete(cacheKey));
    }
    return key;
  }

  function importSeed(seed: Uint8Array): Promise<WebKey> {
    let key = seedKeys.get(seed);
    if (!key) {
      key = subtle.importKey('pkcs8', asBufferSource(seedToPkcs8(seed)), { name: 'Ed25519' }, false, ['sign']);
      seedKeys.set(seed, key);
    }
    return key;
  }

  return {
    name: 'webcrypto',
    async publicKeyFromSeed(seed) {
      assertBytes(seed, 'seed', SEED_BYTES);
      // WebCrypto cannot derive a public key from an imported private key without export; JWK export of an
      // extractable copy gives it (x = public key).
      const key = await subtle.importKey('pkcs8', asBufferSource(seedToPkcs8(seed)), { name: 'Ed25519' }, true, [
        'sign',
      ]);
      const jwk = await subtle.exportKey('jwk', key);
      if (!jwk.x) throw new Error('WebCrypto returned no public key');
      return fromBase64Url(jwk.x);
    },
    async sign(key, message) {
      const cryptoKey = key.kind === 'seed' ? await importSeed(key.seed) : key.key;
      return new Uint8Array(await subtle.sign('Ed25519', cryptoKey, asBufferSource(message)));
    },
    async verify(publicKey, message, signature) {
      if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
      try {
        return await subtle.verify(
          'Ed25519',
          await importPublic(publicKey),
          asBufferSource(signature),
          asBufferSource(message),
        );
      } catch {
        return false;
      }
    },
  };
}

let chosen: Promise<Ed25519Backend> | null = null;

/** True when `backend` signs like @noble (RFC 8032 signatures are deterministic) and verifies what it signed. */
async function agreesWithNoble(backend: Ed25519Backend): Promise<boolean> {
  const seed = randomBytes(SEED_BYTES);
  const message = Uint8Array.of(1, 2, 3);
  const publicKey = await nobleEd25519.publicKeyFromSeed(seed);
  const signature = await backend.sign({ kind: 'seed', seed }, message);
  const expected = await nobleEd25519.sign({ kind: 'seed', seed }, message);
  if (signature.length !== SIGNATURE_BYTES || signature.some((b, i) => b !== expected[i])) return false;
  const forged = signature.slice();
  forged[0]! ^= 1;
  return (await backend.verify(publicKey, message, signature)) && !(await backend.verify(publicKey, message, forged));
}

/**
 * Makes `backend` the one ed25519Backend() returns from now on in this process: the seam through which a
 * shell gives core a faster provider of its runtime (core itself stays isomorphic). Identities made
 * afterwards sign with it and every frame is verified with it. It must first produce @noble's exact
 * signature of a random message and refuse a forged one; otherwise it is not installed and this rejects.
 */
export async function installEd25519Backend(backend: Ed25519Backend): Promise<void> {
  if (!(await agreesWithNoble(backend)))
    throw new PeerTreeError('INTERNAL', `the ${backend.name} Ed25519 backend disagrees with @noble`);
  chosen = Promise.resolve(backend);
}

/** The fastest working backend of this runtime: WebCrypto when it signs and verifies Ed25519, else noble. */
export function ed25519Backend(): Promise<Ed25519Backend> {
  chosen ??= (async () => {
    const subtle = subtleOrNull();
    if (!subtle) return nobleEd25519;
    try {
      const backend = createWebCryptoEd25519(subtle);
      const seed = randomBytes(SEED_BYTES);
      const message = Uint8Array.of(1, 2, 3);
      const signature = await backend.sign({ kind: 'seed', seed }, message);
      const publicKey = await nobleEd25519.publicKeyFromSeed(seed);
      if (await backend.verify(publicKey, message, signature)) return backend;
    } catch {
      // Runtime without Ed25519 in WebCrypto: fall through to noble.
    }
    return nobleEd25519;
  })();
  return chosen;
}
