// What the put and get pipelines need from the network: store a shard on n relays, fetch a shard by hash.

export interface StoreReceipt {
  /** Node ids of the relays that acknowledged holding the shard. */
  readonly holders: readonly string[];
}

export interface ShardTransport {
  /** Stores `bytes` (named `hash`) on `replicas` distinct relays; resolves once that many acknowledged. */
  storeShard(hash: string, bytes: Uint8Array, replicas: number): Promise<StoreReceipt>;
  /** Fetches a shard's bytes (unverified: the caller checks them against `hash`). */
  fetchShard(hash: string): Promise<Uint8Array>;
}

export interface Progress {
  readonly doneBytes: number;
  readonly totalBytes: number | null;
}
