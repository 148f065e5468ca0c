// A ShardStore in memory: for the simulator, tests, and as the reference of the shared contract.
import { assertHex } from '../asserts.ts';
import { PeerTreeError } from '../errors.ts';
import { verifyShard } from './file-codec.ts';
import type { ShardStats, ShardStore } from './shard-store.ts';

export class MemoryShardStore implements ShardStore {
  private readonly shards = new Map<string, Uint8Array>();
  private bytes = 0;
  private closed = false;

  constructor(private readonly capacityBytes = Number.MAX_SAFE_INTEGER) {}

  private open(): void {
    if (this.closed) throw new PeerTreeError('CLOSED', 'shard store is closed');
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    this.open();
    assertHex(hash, 'shard hash', 32);
    await verifyShard(hash, bytes);
    if (this.shards.has(hash)) return;
    if (this.bytes + bytes.length > this.capacityBytes) throw new PeerTreeError('FULL', 'shard store is full');
    this.shards.set(hash, bytes.slice());
    this.bytes += bytes.length;
  }

  async get(hash: string): Promise<Uint8Array | null> {
    this.open();
    assertHex(hash, 'shard hash', 32);
    const bytes = this.shards.get(hash);
    return bytes ? bytes.slice() : null;
  }

  async has(hash: string): Promise<boolean> {
    this.open();
    assertHex(hash, 'shard hash', 32);
    return this.shards.has(hash);
  }

  async delete(hash: string): Promise<boolean> {
    this.open();
    assertHex(hash, 'shard hash', 32);
    const bytes = this.shards.get(hash);
    if (!bytes) return false;
    this.shards.delete(hash);
    this.bytes -= bytes.length;
    return true;
  }

  async list(after = '', limit = 1000): Promise<string[]> {
    this.open();
    return [...this.shards.keys()]
      .filter((h) => h > after)
      .sort()
      .slice(0, limit);
  }

  async stats(): Promise<ShardStats> {
    return { shards: this.shards.size, bytes: this.bytes };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
