// A ShardStore in IndexedDB: the browser's cache of shards and manifests (the files it added or opened).
// Checked by the shared contract (tests/contract/shard-store-contract.ts) under fake-indexeddb.
import { assertHex } from '../../../core/asserts.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { verifyShard } from '../../../core/storage/file-codec.ts';
import type { ShardStats, ShardStore } from '../../../core/storage/shard-store.ts';
import type { PeerTreeDatabase } from './db.ts';

export interface IdbShardStoreOptions {
  /** Largest total of shard bytes kept (the browser's own quota applies on top). */
  readonly capacityBytes?: number;
  /** Close the database when the store closes (true when the store opened its own connection). */
  readonly ownsDatabase?: boolean;
}

const ZERO = { shards: 0, bytes: 0 };

/**
 * Shards live in the `shards` store under their hash; `shard-stats` keeps the running totals, updated in the
 * same transaction as every put and delete, so counts never drift from the data.
 */
export class IdbShardStore implements ShardStore {
  private closed = false;
  private readonly capacityBytes: number;

  constructor(
    private readonly db: PeerTreeDatabase,
    private readonly options: IdbShardStoreOptions = {},
  ) {
    this.capacityBytes = options.capacityBytes ?? Number.MAX_SAFE_INTEGER;
  }

  private check(hash: string): void {
    if (this.closed) throw new PeerTreeError('CLOSED', 'shard store is closed');
    assertHex(hash, 'shard hash', 32);
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    this.check(hash);
    await verifyShard(hash, bytes);
    // A copy that owns exactly its bytes: structured clone of a view would store its whole underlying buffer.
    const own = bytes.slice();
    const tx = this.db.transaction(['shards', 'shard-stats'], 'readwrite');
    const shards = tx.objectStore('shards');
    const stats = tx.objectStore('shard-stats');
    const [existing, totals] = await Promise.all([shards.getKey(hash), stats.get('totals')]);
    if (existing !== undefined) {
      await tx.done;
      return;
    }
    const current = totals ?? { key: 'totals' as const, ...ZERO };
    if (current.bytes + own.length > this.capacityBytes) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new PeerTreeError('FULL', 'shard store is full');
    }
    await Promise.all([
      shards.put(own, hash),
      stats.put({ key: 'totals', shards: current.shards + 1, bytes: current.bytes + own.length }),
    ]);
    await tx.done;
  }

  async get(hash: string): Promise<Uint8Array | null> {
    this.check(hash);
    const value: unknown = await this.db.get('shards', hash);
    if (value === undefined) return null;
    const bytes = value instanceof Uint8Array ? value : null;
    try {
      if (!bytes) throw new PeerTreeError('HASH_MISMATCH', 'stored value is not bytes');
      await verifyShard(hash, bytes);
      return bytes;
    } catch {
      // Damaged behind our back (or by a bug): never hand it out; forget it so it is fetched again.
      await this.remove(hash, bytes?.length ?? 0);
      return null;
    }
  }

  async has(hash: string): Promise<boolean> {
    this.check(hash);
    return (await this.db.getKey('shards', hash)) !== undefined;
  }

  async delete(hash: string): Promise<boolean> {
    this.check(hash);
    const value: unknown = await this.db.get('shards', hash);
    if (value === undefined) return false;
    return this.remove(hash, value instanceof Uint8Array ? value.length : 0);
  }

  private async remove(hash: string, length: number): Promise<boolean> {
    const tx = this.db.transaction(['shards', 'shard-stats'], 'readwrite');
    const shards = tx.objectStore('shards');
    const stats = tx.objectStore('shard-stats');
    const [existing, totals] = await Promise.all([shards.getKey(hash), stats.get('totals')]);
    if (existing === undefined) {
      await tx.done;
      return false;
    }
    const current = totals ?? { key: 'totals' as const, ...ZERO };
    await Promise.all([
      shards.delete(hash),
      stats.put({ key: 'totals', shards: Math.max(0, current.shards - 1), bytes: Math.max(0, current.bytes - length) }),
    ]);
    await tx.done;
    return true;
  }

  async list(after = '', limit = 1000): Promise<string[]> {
    if (this.closed) throw new PeerTreeError('CLOSED', 'shard store is closed');
    const n = Math.max(0, Math.min(limit, 100_000));
    if (n === 0) return [];
    const range = after === '' ? undefined : IDBKeyRange.lowerBound(after, true);
    return this.db.getAllKeys('shards', range, n);
  }

  async stats(): Promise<ShardStats> {
    const totals = await this.db.get('shard-stats', 'totals');
    return { shards: totals?.shards ?? 0, bytes: totals?.bytes ?? 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.options.ownsDatabase) this.db.close();
  }
}
