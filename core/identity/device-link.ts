// Linking a second device: the end-to-end layer (docs/security.md, "Linking a device"). Pure: every random
// value (ephemeral key seed, box id, nonce) is passed in, so both sides and the test vectors are reproducible.
//
// Device A (it has the identity) makes an ephemeral X25519 key and a box id; its link carries both (never sent to
// a relay: the fragment of a URL stays in the browser). Device B makes its own ephemeral key and puts the public
// half in the box. Both derive, from the X25519 shared secret and the transcript (box ‖ A's key ‖ B's key), an
// AES-256-GCM key and a 6-digit code. The person checks that both screens show the same code: a relay that put
// its own key in the box instead of B's shares a secret with A but not with B, and cannot make B's code match
// because B's code depends on a shared secret the relay does not know. Only then does A seal the secret.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import { asBufferSource, subtleOrNull, type Subtle } from '../crypto/webcrypto.ts';
import { PeerTreeError } from '../errors.ts';

/** HKDF info of the shared AES key. */
export const LINK_KEY_TAG = utf8('peertree/link-key/v1\u0000');
/** HKDF info of the short code the person compares. */
export const LINK_CODE_TAG = utf8('peertree/link-code/v1\u0000');
/** First bytes of the secret's plaintext and of its additional data. */
export const LINK_SECRET_TAG = utf8('peertree/link-secret/v1\u0000');
export const LINK_BOX_BYTES = 32;
export const LINK_KEY_BYTES = 32;
export const LINK_NONCE_BYTES = 12;
export const LINK_CODE_DIGITS = 6;
/** Plaintext of the secret: tag ‖ identity public key (32) ‖ Ed25519 seed (32) ‖ library key (32). */
export const LINK_SECRET_BYTES = LINK_SECRET_TAG.length + 96;
/** The sealed secret: nonce (12) ‖ AES-GCM ciphertext with its 16-byte tag. */
export const LINK_SEALED_BYTES = LINK_NONCE_BYTES + LINK_SECRET_BYTES + 16;

/** DER prefix of an Ed25519 private key in PKCS#8 (RFC 8410) without the public key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = fromHex('302e020100300506032b657004220420');

export interface LinkKeys {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What A's link carries (after `#/link/`): the box id and A's ephemeral public key. */
export interface LinkOffer {
  readonly box: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** What both sides derive: the AES key, the code to compare, and the transcript both bound it to. */
export interface LinkSession {
  readonly key: Uint8Array;
  readonly code: string;
  readonly transcript: Uint8Array;
}

/** What travels, sealed: the identity (its public key and Ed25519 seed) and the library key. */
export interface LinkSecret {
  readonly owner: Uint8Array;
  readonly seed: Uint8Array;
  readonly libraryKey: Uint8Array;
}

function exact(bytes: Uint8Array, n: number, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== n)
    throw new PeerTreeError('BAD_INPUT', `${what} must be ${n} bytes`);
  return bytes;
}

/** An ephemeral X25519 key pair from 32 random bytes. */
export function linkKeyPair(seed: Uint8Array): LinkKeys {
  const secretKey = exact(seed, 32, 'a link key seed').slice();
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/** The text after `#/link/`: box id and A's ephemeral key, both hex, joined by a dot. */
export function linkOfferText(offer: LinkOffer): string {
  return `${toHex(exact(offer.box, LINK_BOX_BYTES, 'a box id'))}.${toHex(exact(offer.publicKey, 32, 'a link key'))}`;
}

/** Reads the text after `#/link/`; BAD_INPUT when it is not one. */
export function readLinkOffer(text: string): LinkOffer {
  const m = /^([0-9a-f]{64})\.([0-9a-f]{64})$/.exec(text);
  if (!m) throw new PeerTreeError('BAD_INPUT', 'this is not a PeerTree device link');
  return { box: fromHex(m[1]!), publicKey: fromHex(m[2]!) };
}

/** box ‖ offerer's (A's) key ‖ joiner's (B's) key: the same bytes on both sides. */
export function linkTranscript(box: Uint8Array, offerer: Uint8Array, joiner: Uint8Array): Uint8Array {
  return concatBytes(
    exact(box, LINK_BOX_BYTES, 'a box id'),
    exact(offerer, 32, 'a link key'),
    exact(joiner, 32, 'a link key'),
  );
}

/** The code from HKDF output: 8 bytes as a big-endian integer, mod 10^6, zero-padded (bias below 2^-43). */
function codeOf(bytes: Uint8Array): string {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return (v % 10n ** BigInt(LINK_CODE_DIGITS)).toString().padStart(LINK_CODE_DIGITS, '0');
}

/**
 * The session of one side: `mine` is this side's ephemeral key, `theirs` the other side's public key. A low-order
 * public key (one that would give a known shared secret) is refused with BAD_INPUT.
 */
export function deriveLinkSession(
  role: 'offerer' | 'joiner',
  mine: LinkKeys,
  theirs: Uint8Array,
  box: Uint8Array,
): LinkSession {
  exact(theirs, 32, 'the other device’s link key');
  const transcript =
    role === 'offerer' ? linkTranscript(box, mine.publicKey, theirs) : linkTranscript(box, theirs, mine.publicKey);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(mine.secretKey, theirs);
  } catch {
    throw new PeerTreeError('BAD_INPUT', 'the other device’s link key is not usable');
  }
  if (shared.every((b) => b === 0)) throw new PeerTreeError('BAD_INPUT', 'the other device’s link key is not usable');
  const key = hkdf(sha256, shared, transcript, LINK_KEY_TAG, LINK_KEY_BYTES);
  const code = codeOf(hkdf(sha256, shared, transcript, LINK_CODE_TAG, 8));
  shared.fill(0);
  return { key, code, transcript };
}

/** The fixed plaintext layout of the secret. */
export function encodeLinkSecret(secret: LinkSecret): Uint8Array {
  return concatBytes(
    LINK_SECRET_TAG,
    exact(secret.owner, 32, 'a public key'),
    exact(secret.seed, 32, 'a signing key'),
    exact(secret.libraryKey, 32, 'a library key'),
  );
}

/** Reads the plaintext layout and checks that the seed is the key of `owner` (BAD_INPUT otherwise). */
export function decodeLinkSecret(bytes: Uint8Array): LinkSecret {
  const t = LINK_SECRET_TAG.length;
  if (bytes.length !== LINK_SECRET_BYTES || !equalBytes(bytes.subarray(0, t), LINK_SECRET_TAG))
    throw new PeerTreeError('BAD_INPUT', 'the linked secret has an unknown layout');
  const secret = {
    owner: bytes.slice(t, t + 32),
    seed: bytes.slice(t + 32, t + 64),
    libraryKey: bytes.slice(t + 64, t + 96),
  };
  if (!equalBytes(ed25519.getPublicKey(secret.seed), secret.owner))
    throw new PeerTreeError('BAD_INPUT', 'the linked key does not match its public key');
  return secret;
}

function subtle(): Subtle {
  const s = subtleOrNull();
  if (!s) throw new PeerTreeError('UNAVAILABLE', 'this runtime has no WebCrypto (AES-GCM)');
  return s;
}

const additionalData = (session: LinkSession): Uint8Array => concatBytes(LINK_SECRET_TAG, session.transcript);

/** nonce ‖ AES-256-GCM(secret) under the session key, bound to the transcript; `nonce` is 12 random bytes. */
export async function sealLinkSecret(session: LinkSession, secret: LinkSecret, nonce: Uint8Array): Promise<Uint8Array> {
  exact(nonce, LINK_NONCE_BYTES, 'a nonce');
  const plain = encodeLinkSecret(secret);
  try {
    const key = await subtle().importKey('raw', asBufferSource(session.key.slice()), 'AES-GCM', false, ['encrypt']);
    const ct = await subtle().encrypt(
      { name: 'AES-GCM', iv: asBufferSource(nonce.slice()), additionalData: asBufferSource(additionalData(session)) },
      key,
      asBufferSource(plain),
    );
    return concatBytes(nonce, new Uint8Array(ct));
  } finally {
    plain.fill(0);
  }
}

/** Opens what `sealLinkSecret` made; HASH_MISMATCH when it was changed or sealed under another session. */
export async function openLinkSecret(session: LinkSession, sealed: Uint8Array): Promise<LinkSecret> {
  if (sealed.length !== LINK_SEALED_BYTES) throw new PeerTreeError('BAD_INPUT', 'the linked secret has the wrong size');
  let plain: Uint8Array;
  try {
    const key = await subtle().importKey('raw', asBufferSource(session.key.slice()), 'AES-GCM', false, ['decrypt']);
    const iv = asBufferSource(sealed.slice(0, LINK_NONCE_BYTES));
    plain = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv, additionalData: asBufferSource(additionalData(session)) },
        key,
        asBufferSource(sealed.slice(LINK_NONCE_BYTES)),
      ),
    );
  } catch {
    throw new PeerTreeError('HASH_MISMATCH', 'the linked secret was changed on the way, or sealed for another device');
  }
  try {
    return decodeLinkSecret(plain);
  } finally {
    plain.fill(0);
  }
}

/** The 32-byte Ed25519 seed inside a WebCrypto PKCS#8 export. */
export function seedFromPkcs8(pkcs8: Uint8Array): Uint8Array {
  if (
    pkcs8.length !== PKCS8_ED25519_PREFIX.length + 32 ||
    !equalBytes(pkcs8.subarray(0, PKCS8_ED25519_PREFIX.length), PKCS8_ED25519_PREFIX)
  ) {
    throw new PeerTreeError('BAD_INPUT', 'not an Ed25519 private key in PKCS#8');
  }
  return pkcs8.slice(PKCS8_ED25519_PREFIX.length);
}

/** The PKCS#8 bytes WebCrypto imports for an Ed25519 seed. */
export function pkcs8FromSeed(seed: Uint8Array): Uint8Array {
  return concatBytes(PKCS8_ED25519_PREFIX, exact(seed, 32, 'a signing key'));
}
