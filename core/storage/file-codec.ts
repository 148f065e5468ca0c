// Turns a file into stored shards plus a manifest and capability, and back, verifying every byte.
//
// File hash: SHA-256("peertree/file/v1" 0x00 ‖ u64be(size) ‖ SHA-256(plain shard 0) ‖ … ‖ SHA-256(plain shard n-1)).
// It covers every byte of the file in order, and unlike a plain SHA-256 of the file it can be computed with
// WebCrypto (which has no incremental hashing) shard by shard, at full speed, in any runtime.
import { concatBytes, equalBytes, fromHex, toBase64Url, toHex, utf8 } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';
import { sha256 } from '../crypto/sha256.ts';
import { DEFAULT_SHARD_BYTES } from '../limits.ts';
import { formatCapability, type Capability } from './capability.ts';
import { FileCipher, newFileKey } from './file-cipher.ts';
import type { Identity } from '../identity/identity.ts';
import { readManifestAuthor, signManifest } from './manifest-author.ts';
import {
  cleanFileName,
  inlineShard,
  parseManifest,
  serializeManifest,
  validateManifest,
  type Manifest,
} from './manifest.ts';

const FILE_HASH_TAG = utf8('peertree/file/v1\u0000');

export interface StoredShard {
  /** SHA-256 (hex) of `bytes`: the shard's name. */
  readonly hash: string;
  /** The same SHA-256 as bytes. */
  readonly digest?: Uint8Array;
  /** The bytes relays store (ciphertext for encrypted files). */
  readonly bytes: Uint8Array;
}

export interface EncodeOptions {
  readonly name: string;
  readonly type?: string;
  /** Store plaintext (public, de-duplicating) instead of encrypting with a fresh key. */
  readonly public?: boolean;
  readonly shardSize?: number;
  /** For tests only: a fixed key instead of a random one. */
  readonly key?: Uint8Array;
}

async function fileHash(size: number, plainDigests: Uint8Array[]): Promise<string> {
  const sizeBytes = new Uint8Array(8);
  new DataView(sizeBytes.buffer).setBigUint64(0, BigInt(size), false);
  return toHex(await sha256(concatBytes(FILE_HASH_TAG, sizeBytes, ...plainDigests)));
}

/** Encodes a file shard by shard: call `addShard` for each plaintext piece in order, then `finish`. */
export class FileEncoder {
  private readonly digests: Uint8Array[] = [];
  private readonly shardHashes: string[] = [];
  private size = 0;
  private finished = false;

  private constructor(
    private readonly options: EncodeOptions,
    private readonly key: Uint8Array | null,
    private readonly cipher: FileCipher | null,
    readonly shardSize: number,
  ) {}

  static async create(options: EncodeOptions): Promise<FileEncoder> {
    const key = options.public ? null : (options.key ?? newFileKey());
    const cipher = key ? await FileCipher.create(key) : null;
    return new FileEncoder(options, key, cipher, options.shardSize ?? DEFAULT_SHARD_BYTES);
  }

  /** Seals one plaintext shard (exactly shardSize bytes, except the last). Order matters. */
  async addShard(plain: Uint8Array): Promise<StoredShard> {
    if (this.finished) throw new PeerTreeError('CONFLICT', 'encoder already finished');
    if (plain.length === 0 || plain.length > this.shardSize)
      throw new PeerTreeError('BAD_INPUT', 'shard size out of range');
    if (this.size % this.shardSize !== 0) throw new PeerTreeError('BAD_INPUT', 'only the last shard may be short');
    const index = this.shardHashes.length;
    const digest = await sha256(plain);
    const bytes = this.cipher ? await this.cipher.encrypt(plain, 'shard', index) : plain;
    const stored = this.cipher ? await sha256(bytes) : digest;
    const hash = toHex(stored);
    this.digests.push(digest);
    this.shardHashes.push(hash);
    this.size += plain.length;
    return { hash, bytes, digest: stored };
  }

  /**
   * Builds the manifest shard and the capability that names the file. `inline`: the file's only shard, as
   * addShard returned it, to carry inside the manifest instead of storing it on its own (a small file).
   */
  async finish(
    options: { inline?: StoredShard; author?: Identity } = {},
  ): Promise<{ manifest: Manifest; manifestShard: StoredShard; capability: string }> {
    const inline = options.inline;
    if (inline && (this.shardHashes.length !== 1 || inline.hash !== this.shardHashes[0]))
      throw new PeerTreeError('BAD_INPUT', 'only the only shard of a file can be inlined');
    this.finished = true;
    const manifest = validateManifest({
      v: 1,
      name: cleanFileName(this.options.name),
      size: this.size,
      type:
        this.options.type && /^[\w.+-]+\/[\w.+-]+$/.test(this.options.type)
          ? this.options.type
          : 'application/octet-stream',
      hash: await fileHash(this.size, this.digests),
      shardSize: this.shardSize,
      shards: this.shardHashes,
      enc: this.cipher ? { alg: 'AES-256-GCM', nonce: 'domain-index-v1' } : null,
      ...(inline ? { inline: toBase64Url(inline.bytes) } : {}),
    });
    const plain = serializeManifest(manifest);
    const body = this.cipher ? await this.cipher.encrypt(plain, 'manifest', 0) : plain;
    // Signed by its uploader (when given): who made the file is then part of the bytes the asset hash names.
    const bytes = options.author ? await signManifest(options.author, body) : body;
    const hash = toHex(await sha256(bytes));
    const capability: Capability = { manifest: hash, key: this.key };
    return { manifest, manifestShard: { hash, bytes }, capability: formatCapability(capability) };
  }
}

/**
 * Verifies a fetched shard against the hash that names it; throws HASH_MISMATCH otherwise. `digest`, when
 * given, is the SHA-256 of exactly `bytes` that this process already computed (the frame verifier hashes
 * every payload it accepts): it is compared instead of hashing the same bytes a second time.
 */
export async function verifyShard(hash: string, bytes: Uint8Array, digest?: Uint8Array): Promise<void> {
  if (!equalBytes(digest && digest.length === 32 ? digest : await sha256(bytes), fromHex(hash)))
    throw new PeerTreeError('HASH_MISMATCH', `shard ${hash.slice(0, 12)}… does not match its hash`);
}

/** Decodes a file: open the manifest, then decode shards (any order), then `finish` checks the whole file. */
export class FileDecoder {
  private readonly digests: (Uint8Array | undefined)[];

  private constructor(
    readonly manifest: Manifest,
    private readonly cipher: FileCipher | null,
    /** Public key (64 hex) of the uploader who signed the manifest, or null for one stored unsigned. */
    readonly author: string | null,
  ) {
    this.digests = new Array(manifest.shards.length);
  }

  /** Checks the manifest shard against the capability, reads its author, decrypts and validates it. */
  static async open(capability: Capability, manifestBytes: Uint8Array, digest?: Uint8Array): Promise<FileDecoder> {
    await verifyShard(capability.manifest, manifestBytes, digest);
    const { author, body } = await readManifestAuthor(manifestBytes);
    const cipher = capability.key ? await FileCipher.create(capability.key) : null;
    const plain = cipher ? await cipher.decrypt(body, 'manifest', 0) : body;
    const manifest = parseManifest(plain);
    if ((manifest.enc === null) !== (cipher === null))
      throw new PeerTreeError('BAD_INPUT', 'capability and manifest disagree about encryption');
    return new FileDecoder(manifest, cipher, author);
  }

  /** The stored bytes of shard `index` when the manifest carries them (a small file), else null: fetch it. */
  inlineShard(index: number): Uint8Array | null {
    return inlineShard(this.manifest, index);
  }

  /** Verifies and decrypts shard `index`; returns its plaintext. `digest`: see verifyShard. */
  async decodeShard(index: number, bytes: Uint8Array, digest?: Uint8Array): Promise<Uint8Array> {
    const hash = this.manifest.shards[index];
    if (hash === undefined) throw new PeerTreeError('BAD_INPUT', `no shard ${index}`);
    await verifyShard(hash, bytes, digest);
    const plain = this.cipher ? await this.cipher.decrypt(bytes, 'shard', index) : bytes;
    const expectedLength =
      index === this.manifest.shards.length - 1
        ? this.manifest.size - index * this.manifest.shardSize
        : this.manifest.shardSize;
    if (plain.length !== expectedLength)
      throw new PeerTreeError('HASH_MISMATCH', `shard ${index} has the wrong length`);
    this.digests[index] = this.cipher ? await sha256(plain) : fromHex(hash);
    return plain;
  }

  /** Throws HASH_MISMATCH unless every shard was decoded and the whole-file hash matches. */
  async finish(): Promise<void> {
    const digests: Uint8Array[] = [];
    for (let i = 0; i < this.digests.length; i++) {
      const d = this.digests[i];
      if (!d) throw new PeerTreeError('BAD_INPUT', `shard ${i} was not decoded`);
      digests.push(d);
    }
    if ((await fileHash(this.manifest.size, digests)) !== this.manifest.hash)
      throw new PeerTreeError('HASH_MISMATCH', 'file does not match its manifest hash');
  }
}
