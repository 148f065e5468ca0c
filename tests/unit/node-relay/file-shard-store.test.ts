import { mkdirSync, mkdtempSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { blockSizeOf, FileShardStore } from '../../../node-relay/storage/file-shard-store.ts';
import { DEFAULT_FS_BLOCK_BYTES, SHARD_METADATA_BYTES } from '../../../core/limits.ts';
import { describeShardStoreContract, shard } from '../../contract/shard-store-contract.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';

const dirs = new WeakMap<ShardStore, { dir: string; dbPath: string; db: Database.Database; capacity?: number }>();

async function openAt(dir: string, dbPath: string, capacity?: number): Promise<FileShardStore> {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  const store = await FileShardStore.open({
    dir: join(dir, 'shards'),
    db,
    ...(capacity ? { capacityBytes: capacity } : {}),
  });
  dirs.set(store, { dir, dbPath, db, ...(capacity ? { capacity } : {}) });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    if (db.open) db.close();
  };
  return store;
}

describeShardStoreContract('FileShardStore (files + SQLite)', {
  create: async (capacity) => {
    const dir = mkdtempSync(join(tmpdir(), 'peertree-shards-'));
    return openAt(dir, join(dir, 'relay.db'), capacity);
  },
  reopen: async (store) => {
    const d = dirs.get(store)!;
    await store.close();
    return openAt(d.dir, d.dbPath, d.capacity);
  },
  corrupt: async (store, hash) => {
    const d = dirs.get(store)!;
    writeFileSync(join(d.dir, 'shards', hash.slice(0, 2), hash), 'not the shard');
  },
});

describe('FileShardStore on disk', () => {
  it('writes shard files with mode 0600 and leaves no temp files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peertree-shards-'));
    const store = await openAt(dir, join(dir, 'relay.db'));
    const s = await shard(1000);
    await store.put(s.hash, s.bytes);
    expect(statSync(join(dir, 'shards', s.hash.slice(0, 2), s.hash)).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'shards', 'tmp'))).toEqual([]);
    await store.close();
  });

  it('recovers after a crash: removes temp files and re-indexes an intact shard that missed its index row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peertree-shards-'));
    let store = await openAt(dir, join(dir, 'relay.db'));
    const s = await shard(777);
    await store.put(s.hash, s.bytes);
    dirs.get(store)!.db.prepare('DELETE FROM shards').run();
    writeFileSync(join(dir, 'shards', 'tmp', 'half-written'), 'partial');
    const bogus = 'ab'.repeat(32);
    mkdirSync(join(dir, 'shards', 'ab'), { recursive: true });
    writeFileSync(join(dir, 'shards', 'ab', bogus), 'does not match its name');
    await store.close();
    store = await openAt(dir, join(dir, 'relay.db'));
    expect(await store.has(s.hash)).toBe(true);
    expect(await store.has(bogus)).toBe(false);
    expect(readdirSync(join(dir, 'shards', 'tmp'))).toEqual([]);
    await store.close();
  });

  it('charges every shard at least one file-system block plus its metadata, and refuses tiny shards once that cost reaches the capacity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peertree-shards-'));
    const block = 4096;
    const cost = block + SHARD_METADATA_BYTES;
    const db = new Database(join(dir, 'relay.db'));
    const store = await FileShardStore.open({
      dir: join(dir, 'shards'),
      db,
      capacityBytes: 10 * cost,
      blockBytes: block,
    });
    expect(store.costOf(16)).toBe(cost);
    expect(store.costOf(0)).toBe(cost);
    expect(store.costOf(block + 1)).toBe(2 * block + SHARD_METADATA_BYTES);
    let kept = 0;
    let refused: unknown = null;
    for (let i = 0; i < 2000 && !refused; i++) {
      const s = await shard(16, i);
      await store.put(s.hash, s.bytes).then(
        () => kept++,
        (err: unknown) => (refused = err),
      );
    }
    expect(refused).toMatchObject({ code: 'FULL' });
    expect(kept).toBe(10);
    expect(store.chargedBytes()).toBe(10 * cost);
    expect(await store.stats()).toEqual({ shards: 10, bytes: 160 });
    // The cost is counted again the same way after a restart.
    await store.close();
    const again = await FileShardStore.open({
      dir: join(dir, 'shards'),
      db,
      capacityBytes: 10 * cost,
      blockBytes: block,
    });
    expect(again.chargedBytes()).toBe(10 * cost);
    await again.close();
    db.close();
  });

  it('reads the block size of the file system holding the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peertree-shards-'));
    const size = await blockSizeOf(dir);
    expect(Number.isSafeInteger(size) && size >= 512).toBe(true);
    expect(await blockSizeOf(join(dir, 'does-not-exist'))).toBe(DEFAULT_FS_BLOCK_BYTES);
  });
});
