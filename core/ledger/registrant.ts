// Who may register an asset first: the uploader who signed its manifest (core/storage/manifest-author.ts).
// The registration carries the manifest shard as its payload; the root checks that its bytes are the asset
// (their SHA-256) and that the author they name is the record's author. A reader of a link can re-store and pin
// the manifest, but cannot change who signed it without changing the asset. A manifest stored before authors
// were signed names nobody: the author's signed pin (checked by every relay) is then the only test.
import { equalBytes, fromHex } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import { PeerTreeError } from '../errors.ts';
import { readManifestAuthor } from '../storage/manifest-author.ts';

/**
 * Throws unless `author` (64 hex) may register `asset` (64 hex) given the manifest shard sent with the record:
 * BAD_INPUT when it is missing or is not the asset's bytes, FORBIDDEN when another key signed it. Resolves with
 * the manifest's author (null for an unsigned one).
 */
export async function checkRegistrant(
  asset: string,
  author: string,
  manifest: Uint8Array | null,
  digest?: Uint8Array,
): Promise<string | null> {
  if (manifest === null || manifest.length === 0)
    throw new PeerTreeError(
      'BAD_INPUT',
      "a registration carries the asset's manifest shard (update your peertree client)",
    );
  const hash = digest && digest.length === 32 ? digest : await sha256(manifest);
  if (!equalBytes(hash, fromHex(asset)))
    throw new PeerTreeError('BAD_INPUT', 'the manifest sent with the registration is not the asset');
  const signed = (await readManifestAuthor(manifest)).author;
  if (signed !== null && signed !== author)
    throw new PeerTreeError('FORBIDDEN', 'only the uploader who signed the manifest can register the asset');
  return signed;
}
