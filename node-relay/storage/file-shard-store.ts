// ShardStore on disk: shard bytes as files written atomically (temp, fsync, rename), indexed in SQLite.
// The capacity counts what a shard really costs on this disk (costOf): whole file-system blocks plus an estimate of
// its metadata rows, so that many tiny shards fill it as surely as a few large ones.
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { assertHex } from '../../core/asserts.ts';
import { diskFullError } from '../data/disk-full.ts';
import { PeerTreeError } from '../../core/errors.ts';
import { DEFAULT_FS_BLOCK_BYTES, SHARD_METADATA_BYTES } from '../../core/limits.ts';
import { verifyShard } from '../../core/storage/file-codec.ts';
import type { ShardStats, ShardStore } from '../../core/storage/shard-store.ts';

const { mkdir, open, readdir, readFile, rename, rm, unlink } = fsp;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shards (
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

export interface FileShardStoreOptions {
  /** Folder for shard files; created with mode 0700. */
  readonly dir: string;
  /** Open SQLite database for the index (shared with the rest of the relay). */
  readonly db: Database;
  /** Most bytes of shards kept, counted by costOf (blocks and metadata), not by payload. */
  readonly capacityBytes?: number;
  readonly now?: () => number;
  /** File-system block size; by default read with fs.statfs (DEFAULT_FS_BLOCK_BYTES where it cannot be read). */
  readonly blockBytes?: number;
}

/** The block size of the file system holding `dir`, or DEFAULT_FS_BLOCK_BYTES when it cannot be read. */
export async function blockSizeOf(dir: string): Promise<number> {
  // fs.statfs exists from Node 18.15; older runtimes (and other file systems' shims) may lack it.
  const statfs = (fsp as { statfs?: (path: string) => Promise<{ bsize: number }> }).statfs;
  if (typeof statfs !== 'function') return DEFAULT_FS_BLOCK_BYTES;
  try {
    const { bsize } = await statfs(dir);
    return Number.isSafeInteger(bsize) && bsize > 0 ? bsize : DEFAULT_FS_BLOCK_BYTES;
  } catch {
    return DEFAULT_FS_BLOCK_BYTES;
  }
}

/** What a shard of `size` bytes costs: whole blocks (at least one, even when empty) plus its metadata rows. */
export function shardCost(size: number, blockBytes: number = DEFAULT_FS_BLOCK_BYTES): number {
  return Math.max(1, Math.ceil(size / blockBytes)) * blockBytes + SHARD_METADATA_BYTES;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

export class FileShardStore implements ShardStore {
  private readonly insert: Statement<[string, number, number]>;
  private readonly remove: Statement<[string]>;
  private readonly select: Statement<[string], { size: number }>;
  private readonly page: Statement<[string, number], { hash: string }>;
  private readonly totals: Statement<[number, number], { shards: number; bytes: number | null; blocks: number | null }>;
  private readonly capacityBytes: number;
  /** File-system block size the costs are counted in. */
  readonly blockBytes: number;
  private readonly now: () => number;
  private closed = false;
  /** Cost of puts in progress, so concurrent puts cannot together overshoot the capacity. */
  private reserved = 0;
  /**
   * Shard count and bytes, kept in step with the index (read once at open): a put used to run COUNT/SUM over
   * the whole table to check the capacity, which made storing n shards O(n²).
   */
  private totalShards = 0;
  private totalBytes = 0;
  /** Sum of costOf over the stored shards: what the capacity is checked against. */
  private totalCost = 0;
  /** Two-hex-digit folders known to exist (created at most once each). */
  private readonly folders = new Set<string>();

  private constructor(
    private readonly options: FileShardStoreOptions,
    blockBytes: number,
  ) {
    this.blockBytes = blockBytes;
    options.db.exec(SCHEMA);
    this.insert = options.db.prepare('INSERT OR IGNORE INTO shards (hash, size, stored_at) VALUES (?, ?, ?)');
    this.remove = options.db.prepare('DELETE FROM shards WHERE hash = ?');
    this.select = options.db.prepare('SELECT size FROM shards WHERE hash = ?');
    this.page = options.db.prepare('SELECT hash FROM shards WHERE hash > ? ORDER BY hash LIMIT ?');
    this.totals = options.db.prepare(
      'SELECT COUNT(*) AS shards, SUM(size) AS bytes, SUM(MAX(1, CAST((size + ? - 1) / ? AS INTEGER))) AS blocks FROM shards',
    );
    this.capacityBytes = options.capacityBytes ?? Number.MAX_SAFE_INTEGER;
    this.now = options.now ?? Date.now;
  }

  /** Opens the store, removing temp files a crash left behind and re-indexing complete shard files. */
  static async open(options: FileShardStoreOptions): Promise<FileShardStore> {
    await mkdir(join(options.dir, 'tmp'), { recursive: true, mode: 0o700 });
    const block = options.blockBytes ?? (await blockSizeOf(options.dir));
    const store = new FileShardStore(options, block);
    await store.recover();
    const t = store.totals.get(block, block)!;
    store.totalShards = t.shards;
    store.totalBytes = t.bytes ?? 0;
    store.totalCost = (t.blocks ?? 0) * block + t.shards * SHARD_METADATA_BYTES;
    return store;
  }

  /** What a shard of `size` bytes costs here (see shardCost). */
  costOf(size: number): number {
    return shardCost(size, this.blockBytes);
  }

  private pathOf(hash: string): string {
    return join(this.options.dir, hash.slice(0, 2), hash);
  }

  private check(hash: string): void {
    if (this.closed) throw new PeerTreeError('CLOSED', 'shard store is closed');
    assertHex(hash, 'shard hash', 32);
  }

  private async recover(): Promise<void> {
    const tmp = join(this.options.dir, 'tmp');
    for (const name of await readdir(tmp)) await rm(join(tmp, name), { force: true });
    for (const sub of await readdir(this.options.dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of await readdir(join(this.options.dir, sub))) {
        if (!/^[0-9a-f]{64}$/.test(name) || this.select.get(name)) continue;
        // A shard renamed into place whose index row was not yet written: keep it if it is intact.
        const bytes = await readFile(join(this.options.dir, sub, name));
        try {
          await verifyShard(name, bytes);
          this.insert.run(name, bytes.length, this.now());
          this.folders.add(sub);
        } catch {
          await rm(join(this.options.dir, sub, name), { force: true });
        }
      }
    }
  }

  async put(hash: string, bytes: Uint8Array, digest?: Uint8Array): Promise<void> {
    this.check(hash);
    await verifyShard(hash, bytes, digest);
    if (this.select.get(hash)) return;
    const cost = this.costOf(bytes.length);
    if (this.totalCost + this.reserved + cost > this.capacityBytes)
      throw new PeerTreeError('FULL', 'shard store is full');
    this.reserved += cost;
    const tmpPath = join(this.options.dir, 'tmp', `${hash}.${randomBytes(6).toString('hex')}`);
    try {
      const file = await open(tmpPath, 'wx', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      const folder = hash.slice(0, 2);
      const finalDir = join(this.options.dir, folder);
      if (!this.folders.has(folder)) {
        await mkdir(finalDir, { recursive: true, mode: 0o700 });
        this.folders.add(folder);
      }
      try {
        await rename(tmpPath, this.pathOf(hash));
      } catch (err) {
        // The folder was removed behind our back: make it again once.
        if (!isMissing(err)) throw err;
        await mkdir(finalDir, { recursive: true, mode: 0o700 });
        await rename(tmpPath, this.pathOf(hash));
      }
      const dir = await open(finalDir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      if (this.insert.run(hash, bytes.length, this.now()).changes > 0) {
        this.totalShards++;
        this.totalBytes += bytes.length;
        this.totalCost += cost;
      }
    } catch (err) {
      await rm(tmpPath, { force: true });
      throw diskFullError(err) ?? err;
    } finally {
      this.reserved -= cost;
    }
  }

  async get(hash: string): Promise<Uint8Array | null> {
    this.check(hash);
    if (!this.select.get(hash)) return null;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.pathOf(hash)));
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.forget(hash);
      return null;
    }
    try {
      await verifyShard(hash, bytes);
    } catch {
      // Corrupt on disk: drop it so that repair fetches a good copy from another holder.
      await this.delete(hash);
      return null;
    }
    return bytes;
  }

  async sizeOf(hash: string): Promise<number | null> {
    this.check(hash);
    return this.select.get(hash)?.size ?? null;
  }

  async has(hash: string): Promise<boolean> {
    this.check(hash);
    return this.select.get(hash) !== undefined;
  }

  async delete(hash: string): Promise<boolean> {
    this.check(hash);
    const existed = this.forget(hash);
    try {
      await unlink(this.pathOf(hash));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    return existed;
  }

  /** Removes the index row of `hash` (keeping the totals in step); true when there was one. */
  private forget(hash: string): boolean {
    const row = this.select.get(hash);
    if (!row) return false;
    if (this.remove.run(hash).changes > 0) {
      this.totalShards--;
      this.totalBytes -= row.size;
      this.totalCost -= this.costOf(row.size);
      return true;
    }
    return false;
  }

  async list(after = '', limit = 1000): Promise<string[]> {
    if (this.closed) throw new PeerTreeError('CLOSED', 'shard store is closed');
    return this.page.all(after, Math.max(0, Math.min(limit, 100_000))).map((r) => r.hash);
  }

  async stats(): Promise<ShardStats> {
    return this.statsNow();
  }

  /** Bytes charged against the capacity (blocks and metadata of every stored shard). */
  chargedBytes(): number {
    return this.totalCost;
  }

  /** The same as stats(), synchronously (SQLite answers at once): for the status document. */
  statsNow(): ShardStats {
    return { shards: this.totalShards, bytes: this.totalBytes };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
