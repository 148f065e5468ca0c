// The shared contract of every ShardStore implementation; each implementation's test file calls it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ShardStore } from '../../core/storage/shard-store.ts';
import { sha256 } from '../../core/crypto/sha256.ts';
import { toHex } from '../../core/bytes.ts';

export interface ShardStoreHarness {
  /** A new, empty store with the given capacity in bytes. */
  create(capacityBytes?: number): Promise<ShardStore>;
  /** Reopens the same store after close (durability); omit when the implementation has no persistence. */
  reopen?(store: ShardStore): Promise<ShardStore>;
  /** Damages the stored bytes of `hash` behind the store's back, if the implementation can be damaged. */
  corrupt?(store: ShardStore, hash: string): Promise<void>;
}

export async function shard(size: number, fill?: number): Promise<{ hash: string; bytes: Uint8Array }> {
  const bytes = fill === undefined ? crypto.getRandomValues(new Uint8Array(size)) : new Uint8Array(size).fill(fill);
  return { hash: toHex(await sha256(bytes)), bytes };
}

export function describeShardStoreContract(name: string, harness: ShardStoreHarness): void {
  describe(`${name} (ShardStore contract)`, () => {
    let store: ShardStore;
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('gives back exactly the bytes put under their hash', async () => {
      const s = await shard(5000);
      await store.put(s.hash, s.bytes);
      expect(toHex((await store.get(s.hash))!)).toBe(toHex(s.bytes));
      expect(await store.has(s.hash)).toBe(true);
    });

    it('answers null and false for a shard it does not hold', async () => {
      const s = await shard(10);
      expect(await store.get(s.hash)).toBeNull();
      expect(await store.has(s.hash)).toBe(false);
      expect(await store.delete(s.hash)).toBe(false);
    });

    it('refuses bytes that do not match the hash, and stores nothing', async () => {
      const s = await shard(100);
      const other = await shard(100);
      await expect(store.put(s.hash, other.bytes)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
      expect(await store.has(s.hash)).toBe(false);
      expect(await store.stats()).toEqual({ shards: 0, bytes: 0 });
    });

    it('refuses hashes that are not 64 lowercase hex chars, paths above all', async () => {
      for (const bad of ['../../etc/passwd', 'AB'.repeat(32), 'ab', '', 'zz'.repeat(32), `${'ab'.repeat(31)}/.`]) {
        await expect(store.get(bad), bad).rejects.toMatchObject({ code: 'BAD_INPUT' });
        await expect(store.put(bad, new Uint8Array(1)), bad).rejects.toMatchObject({ code: 'BAD_INPUT' });
      }
    });

    it('is idempotent: putting a shard twice counts it once', async () => {
      const s = await shard(300);
      await store.put(s.hash, s.bytes);
      await store.put(s.hash, s.bytes);
      expect(await store.stats()).toEqual({ shards: 1, bytes: 300 });
    });

    it('counts shards and bytes, and forgets deleted shards', async () => {
      const a = await shard(100);
      const b = await shard(200);
      await store.put(a.hash, a.bytes);
      await store.put(b.hash, b.bytes);
      expect(await store.stats()).toEqual({ shards: 2, bytes: 300 });
      expect(await store.delete(a.hash)).toBe(true);
      expect(await store.stats()).toEqual({ shards: 1, bytes: 200 });
      expect(await store.get(a.hash)).toBeNull();
    });

    it('lists hashes in order, in pages', async () => {
      const all = await Promise.all([1, 2, 3, 4, 5].map((n) => shard(n)));
      for (const s of all) await store.put(s.hash, s.bytes);
      const sorted = all.map((s) => s.hash).sort();
      expect(await store.list()).toEqual(sorted);
      const first = await store.list('', 2);
      expect(first).toEqual(sorted.slice(0, 2));
      expect(await store.list(first[1], 10)).toEqual(sorted.slice(2));
    });

    it('stores an empty shard', async () => {
      const s = await shard(0);
      await store.put(s.hash, s.bytes);
      expect((await store.get(s.hash))!.length).toBe(0);
    });

    it('refuses with FULL when capacity would be exceeded, keeping what it stored', async () => {
      // A store counts a shard at what it costs it (at least its bytes; on disk whole blocks and metadata too).
      const small = await harness.create(20_000);
      try {
        let kept = 0;
        let refused: unknown = null;
        for (let i = 0; i < 10 && !refused; i++) {
          const s = await shard(6000);
          await small.put(s.hash, s.bytes).then(
            () => kept++,
            (err: unknown) => (refused = err),
          );
        }
        expect(refused).toMatchObject({ code: 'FULL' });
        expect(kept).toBeGreaterThanOrEqual(1);
        expect(kept).toBeLessThanOrEqual(3);
        expect(await small.stats()).toEqual({ shards: kept, bytes: kept * 6000 });
      } finally {
        await small.close();
      }
    });

    if (harness.reopen) {
      it('keeps what it stored across close and reopen', async () => {
        const s = await shard(4096);
        await store.put(s.hash, s.bytes);
        store = await harness.reopen!(store);
        expect(toHex((await store.get(s.hash))!)).toBe(toHex(s.bytes));
        expect(await store.stats()).toEqual({ shards: 1, bytes: 4096 });
      });
    }

    if (harness.corrupt) {
      it('drops a shard whose stored bytes were damaged instead of returning them', async () => {
        const s = await shard(2048);
        await store.put(s.hash, s.bytes);
        await harness.corrupt!(store, s.hash);
        expect(await store.get(s.hash)).toBeNull();
        expect(await store.has(s.hash)).toBe(false);
        expect((await store.stats()).shards).toBe(0);
      });
    }
  });
}
