// Messages between the page and the sealing worker (shared types and a guard for the worker's replies).

export interface SealRequest {
  readonly type: 'seal';
  readonly job: number;
  readonly file: Blob;
  readonly name: string;
  readonly mime: string;
  /** Store plaintext (public) instead of encrypting with a fresh key. */
  readonly public: boolean;
  readonly shardBytes: number;
  /**
   * The uploader's signing key (a CryptoKey is structured-cloneable, even when not extractable): the worker signs
   * the manifest with it, so that only this key can register the file. Absent before the identity is loaded.
   */
  readonly author?: { readonly privateKey: CryptoKey; readonly publicKey: Uint8Array };
}

export interface SealResult {
  readonly capability: string;
  /** PeerTree file hash (core/storage/file-codec.ts). */
  readonly fileHash: string;
  /** Data shard hashes in file order, then the manifest shard. */
  readonly shards: readonly string[];
  readonly size: number;
}

export type SealReply =
  | { readonly type: 'progress'; readonly job: number; readonly bytesDone: number }
  | ({ readonly type: 'done'; readonly job: number } & SealResult)
  | { readonly type: 'error'; readonly job: number; readonly message: string };

const HEX64 = /^[0-9a-f]{64}$/;

export function isSealReply(value: unknown): value is SealReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.job !== 'number') return false;
  switch (v.type) {
    case 'progress':
      return typeof v.bytesDone === 'number';
    case 'done':
      return (
        typeof v.capability === 'string' &&
        typeof v.fileHash === 'string' &&
        HEX64.test(v.fileHash) &&
        typeof v.size === 'number' &&
        Array.isArray(v.shards) &&
        v.shards.length > 0 &&
        v.shards.every((h) => typeof h === 'string' && HEX64.test(h))
      );
    case 'error':
      return typeof v.message === 'string';
    default:
      return false;
  }
}
