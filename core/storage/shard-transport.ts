// What the put and get pipelines need from the network: store a shard on n relays, fetch a shard by hash.

export interface StoreReceipt {
  /** Node ids of the relays that acknowledged holding the shard. */
  readonly holders: readonly string[];
}

export interface ShardTransport {
  /** Stores `bytes` (named `hash`) on `replicas` distinct relays; resolves once that many acknowledged. */
  storeShard(hash: string, bytes: Uint8Array, replicas: number, digest?: Uint8Array): Promise<StoreReceipt>;
  /** Fetches a shard's bytes (unverified: the caller checks them against `hash`). */
  fetchShard(hash: string): Promise<Uint8Array>;
  /**
   * Optional: the SHA-256 of bytes `fetchShard` returned, when the transport computed it on the way in (frame
   * verification), so that the caller need not hash them again. Undefined when unknown.
   */
  digestOf?(bytes: Uint8Array): Uint8Array | undefined;
  /**
   * Optional: releases the owner's pin on `hash` on the relays that hold it; resolves with how many released it.
   * A put that fails uses it to take back what it stored (see putFile).
   */
  unpin?(hash: string): Promise<number>;
  /**
   * Optional: a transfer of several shards is starting; a transport that opens links per relay may open them all now,
   * in parallel, instead of one by one as the first shard for each comes. Never throws.
   */
  prepare?(): void;
  /**
   * Optional: how many shards a get should keep in flight now (a swarming transport sizes it to its holders'
   * bandwidth-delay products). Asked before each shard starts; getFile bounds it by GET_WINDOW_MAX.
   */
  window?(): number;
  /**
   * Optional: how many shards a put should keep in flight now, sized like `window` from how fast and how soon
   * the relays acknowledged the shards so far (an acknowledgement means every copy is durable). Asked before
   * each shard is sent; putFile bounds it by PUT_WINDOW_MAX.
   */
  putWindow?(): number;
}

export interface Progress {
  readonly doneBytes: number;
  readonly totalBytes: number | null;
}
