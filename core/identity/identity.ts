// A participant's signing identity: an Ed25519 key pair and the short node id derived from it.
import { assertBytes } from '../asserts.ts';
import {
  ed25519Backend,
  nobleEd25519,
  PUBLIC_KEY_BYTES,
  SEED_BYTES,
  type Ed25519Backend,
  type SigningKey,
} from '../crypto/ed25519.ts';
import { randomBytes, subtleOrNull, type WebKey, type WebKeyPair } from '../crypto/webcrypto.ts';
import { nodeIdOf } from './node-id.ts';

export interface Identity {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Short printable id derived from the public key. */
  readonly id: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

function makeIdentity(publicKey: Uint8Array, key: SigningKey, backend: Ed25519Backend): Identity {
  return Object.freeze({
    publicKey,
    id: nodeIdOf(publicKey),
    sign: (message: Uint8Array) => backend.sign(key, message),
  });
}

/** Rebuilds an identity from its 32-byte seed (the form a relay keeps in its data folder). */
export async function identityFromSeed(seed: Uint8Array, backend?: Ed25519Backend): Promise<Identity> {
  assertBytes(seed, 'seed', SEED_BYTES);
  const chosen = backend ?? (await ed25519Backend());
  const ownSeed = seed.slice();
  // The public key is derived by noble: WebCrypto has no direct seed → public key operation.
  const publicKey = await nobleEd25519.publicKeyFromSeed(ownSeed);
  return makeIdentity(publicKey, { kind: 'seed', seed: ownSeed }, chosen);
}

/** A new random identity and the seed to persist it. */
export async function generateIdentity(backend?: Ed25519Backend): Promise<{ identity: Identity; seed: Uint8Array }> {
  const seed = randomBytes(SEED_BYTES);
  return { identity: await identityFromSeed(seed, backend), seed };
}

/**
 * A new identity whose private key is a non-extractable WebCrypto key (the browser keeps the CryptoKey in
 * IndexedDB; script can use it but never read it).
 */
export async function generateBrowserIdentity(): Promise<{
  identity: Identity;
  privateKey: WebKey;
  publicKey: Uint8Array;
}> {
  const subtle = subtleOrNull();
  if (!subtle) throw new Error('this runtime has no WebCrypto');
  const pair = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as WebKeyPair;
  const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { identity: identityFromCryptoKey(pair.privateKey, publicKey), privateKey: pair.privateKey, publicKey };
}

/** Wraps a stored WebCrypto private key and its public key as an Identity. */
export function identityFromCryptoKey(privateKey: WebKey, publicKey: Uint8Array): Identity {
  assertBytes(publicKey, 'public key', PUBLIC_KEY_BYTES);
  const subtle = subtleOrNull();
  if (!subtle) throw new Error('this runtime has no WebCrypto');
  return Object.freeze({
    publicKey: publicKey.slice(),
    id: nodeIdOf(publicKey),
    sign: async (message: Uint8Array) =>
      new Uint8Array(await subtle.sign('Ed25519', privateKey, message as Uint8Array<ArrayBuffer>)),
  });
}

/** True only when `signature` is a valid Ed25519 signature of `message` by `publicKey`; never throws. */
export async function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array))
    return false;
  return (await ed25519Backend()).verify(publicKey, message, signature);
}

export { PUBLIC_KEY_BYTES, SEED_BYTES };
