// The uploader's signature on a manifest shard, inside the bytes its hash names: who made the file, provable to
// any relay that holds the shard, without the file key. It is what makes a first registration in the ledger the
// uploader's alone: anyone can re-store (and pin) a manifest they can read, but not change who signed it without
// changing its hash, which is the asset.
//
// Stored manifest shard (fixed layout):
//   "PTm1" (4) ‖ author public key (32) ‖ signature (64) ‖ body (the sealed manifest, or a public file's JSON)
// Signed bytes (fixed layout, MANIFEST_SIGNED_BYTES = 85):
//   "peertree/manifest/v1" 0x00 (21) ‖ author public key (32) ‖ SHA-256(body) (32)
// A manifest without the prefix (stored before authors were signed) has no author: the ledger falls back to the
// uploader's pin for it (see docs/ledger.md).
import { concatBytes, equalBytes, toHex, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import type { Identity } from '../identity/identity.ts';
import { verifySignature } from '../identity/identity.ts';

export const MANIFEST_MAGIC = utf8('PTm1');
export const MANIFEST_AUTHOR_TAG = utf8('peertree/manifest/v1\u0000');
/** Length of the signed statement. */
export const MANIFEST_SIGNED_BYTES = MANIFEST_AUTHOR_TAG.length + 32 + 32;
/** Bytes before the body in a signed manifest shard. */
export const MANIFEST_HEADER_BYTES = MANIFEST_MAGIC.length + 32 + 64;

export interface SignedManifest {
  /** The author's public key (64 hex), or null for a manifest stored without one. */
  readonly author: string | null;
  /** The sealed manifest (or a public file's JSON), what the capability's key opens. */
  readonly body: Uint8Array;
}

function statement(author: Uint8Array, bodyDigest: Uint8Array): Uint8Array {
  return concatBytes(MANIFEST_AUTHOR_TAG, author, bodyDigest);
}

/** The manifest shard for `body`, signed by `author`. */
export async function signManifest(author: Identity, body: Uint8Array): Promise<Uint8Array> {
  const sig = await author.sign(statement(author.publicKey, await sha256(body)));
  return concatBytes(MANIFEST_MAGIC, author.publicKey, sig, body);
}

/** True when `stored` starts like a signed manifest (the signature is not checked: see readManifestAuthor). */
export function hasAuthorHeader(stored: Uint8Array): boolean {
  return (
    stored.length >= MANIFEST_HEADER_BYTES && equalBytes(stored.subarray(0, MANIFEST_MAGIC.length), MANIFEST_MAGIC)
  );
}

/**
 * Splits a stored manifest shard into its author and body, checking the author's signature. A shard without
 * the header is an unsigned (older) manifest: author null, body the whole. A header whose signature does not
 * verify makes the author null too and keeps the whole as body (it may be an older sealed manifest that starts
 * with the same 4 bytes by chance: the capability's key then tells). Never throws.
 */
export async function readManifestAuthor(stored: Uint8Array): Promise<SignedManifest> {
  if (!hasAuthorHeader(stored)) return { author: null, body: stored };
  const author = stored.subarray(MANIFEST_MAGIC.length, MANIFEST_MAGIC.length + 32);
  const sig = stored.subarray(MANIFEST_MAGIC.length + 32, MANIFEST_HEADER_BYTES);
  const body = stored.subarray(MANIFEST_HEADER_BYTES);
  try {
    if (await verifySignature(author, statement(author, await sha256(body)), sig))
      return { author: toHex(author), body };
  } catch {
    // a malformed key: no author
  }
  return { author: null, body: stored };
}
