// What the sync runner (outbox-sync.ts) needs from outside: its dependencies, what it needs of a relay connection
// (store, release, remember), and a transport that follows the page's socket, so that the runner exists (and
// takes the library's requests) before the identity is loaded.
import { PeerTreeError, toPeerTreeError } from '../../../core/errors.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { ShardTransport, StoreReceipt } from '../../../core/storage/shard-transport.ts';
import type { PeerTreeDatabase } from '../data/db.ts';

/** What a memory item asks to remember (signed by the transport at send time). */
export interface MemoryRequest {
  readonly text: string;
  readonly tags: readonly string[];
  readonly ref: string | null;
}

/** Stores shards, releases this device's pins on them (signed `shard.unpin`), and stores signed memories. */
export interface OutboxTransport extends ShardTransport {
  unpin(hash: string): Promise<number>;
  /** Signs the memory now and stores it on `replicas` relays; resolves with its id once they hold it. */
  remember(memory: MemoryRequest, replicas: number): Promise<{ id: string; holders: string[] }>;
}

export interface OutboxSyncDeps {
  readonly db: PeerTreeDatabase;
  readonly store: ShardStore;
  readonly transport: OutboxTransport;
  /** True while a relay connection is ready for requests. */
  isConnected(): boolean;
  /** Replicas to ask for: min(relay's configured replicas, relays in the tree). */
  replicas(): Promise<number>;
  /**
   * Copies of a file's pieces to ask for: the relays' configured count even when the tree is smaller (they
   * store what they can and keep the target, so copies are added as relays join). Absent: `replicas()`.
   */
  targetReplicas?(): Promise<number>;
  /** A file record or its upload changed in IndexedDB. */
  onChange(id: string): void;
  /** Upload progress (not persisted): shards acknowledged of all shards. */
  onProgress?(id: string, acked: number, total: number): void;
  /** Something new is in the outbox (the page asks for a Background Sync, in case it closes first). */
  onQueued?(): void;
}

/** Delegates to the transport set last; with none (no socket yet) every send fails as a closed link (transient). */
export class FollowingTransport implements OutboxTransport {
  private current: OutboxTransport | null = null;

  set(transport: OutboxTransport | null): void {
    this.current = transport;
  }

  private need(): OutboxTransport {
    if (!this.current) throw new PeerTreeError('CLOSED', 'no relay connection yet');
    return this.current;
  }

  storeShard(hash: string, bytes: Uint8Array, replicas: number, digest?: Uint8Array): Promise<StoreReceipt> {
    return this.need().storeShard(hash, bytes, replicas, digest);
  }

  fetchShard(hash: string): Promise<Uint8Array> {
    return this.need().fetchShard(hash);
  }

  unpin(hash: string): Promise<number> {
    return this.need().unpin(hash);
  }

  remember(memory: MemoryRequest, replicas: number): Promise<{ id: string; holders: string[] }> {
    return this.need().remember(memory, replicas);
  }
}

/**
 * Releases this device's pin on `hash`. A relay refuses (FORBIDDEN) a release when no relay holds a pin of this
 * key on the shard: nothing is left to release, which is what the release wanted (a cancelled upload lists
 * shards that never left, and a release sent twice finds its pin gone), so that counts as 0 released.
 */
export async function unpinOrNothing(transport: OutboxTransport, hash: string): Promise<number> {
  try {
    return await transport.unpin(hash);
  } catch (err) {
    const e = toPeerTreeError(err);
    if (e.refused && e.code === 'FORBIDDEN') return 0;
    throw err;
  }
}
