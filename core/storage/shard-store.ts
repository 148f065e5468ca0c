// The storage seam for shard bytes: one interface, implemented on disk (relay), in IndexedDB (PWA) and in memory.

export interface ShardStats {
  readonly shards: number;
  readonly bytes: number;
}

/**
 * A content-addressed store. Contract (checked by tests/contract/shard-store-contract.ts for every
 * implementation):
 * - `put` verifies that SHA-256(bytes) is `hash` (HASH_MISMATCH otherwise), is idempotent, and is durable
 *   when it resolves; it throws FULL when the store's capacity would be exceeded.
 * - `get` returns bytes that match their hash, or null; a shard found corrupt is removed and reported null.
 * - Hashes are 64 lowercase hex chars; anything else is BAD_INPUT (never a path on disk).
 */
export interface ShardStore {
  /** `digest`: the SHA-256 of exactly `bytes` when this process already computed it (then not hashed again). */
  put(hash: string, bytes: Uint8Array, digest?: Uint8Array): Promise<void>;
  get(hash: string): Promise<Uint8Array | null>;
  has(hash: string): Promise<boolean>;
  /** Optional: the stored size of a shard (null when absent), without reading its bytes. */
  sizeOf?(hash: string): Promise<number | null>;
  /** Returns true when the shard was there. */
  delete(hash: string): Promise<boolean>;
  /** Hashes in ascending order, after `after` (exclusive), at most `limit`. */
  list(after?: string, limit?: number): Promise<string[]>;
  stats(): Promise<ShardStats>;
  close(): Promise<void>;
}
