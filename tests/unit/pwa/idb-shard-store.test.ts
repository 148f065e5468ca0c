// The IndexedDB ShardStore of the PWA against the shared ShardStore contract, on fake-indexeddb.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../pwa/src/data/db.ts';
import { IdbShardStore } from '../../../pwa/src/data/idb-shard-store.ts';
import { describeShardStoreContract, shard } from '../../contract/shard-store-contract.ts';

let counter = 0;
const names = new WeakMap<IdbShardStore, string>();

async function openStore(name: string, capacityBytes?: number): Promise<IdbShardStore> {
  const store = new IdbShardStore(await openDatabase(name), {
    ownsDatabase: true,
    ...(capacityBytes !== undefined ? { capacityBytes } : {}),
  });
  names.set(store, name);
  return store;
}

describeShardStoreContract('IdbShardStore', {
  create: (capacity) => openStore(`shards-test-${++counter}`, capacity),
  reopen: async (store) => {
    const name = names.get(store as IdbShardStore)!;
    await store.close();
    return openStore(name);
  },
  corrupt: async (store, hash) => {
    const db = await openDatabase(names.get(store as IdbShardStore)!);
    const bytes = (await db.get('shards', hash))!;
    const damaged = bytes.slice();
    damaged[0] = damaged[0]! ^ 0xff;
    await db.put('shards', damaged, hash);
    db.close();
  },
});

describe('IdbShardStore specifics', () => {
  it('stores only the bytes of a view, not its whole underlying buffer', async () => {
    const store = await openStore(`shards-view-${++counter}`);
    const s = await shard(1000);
    const big = new Uint8Array(64 * 1024);
    big.set(s.bytes, 5000);
    await store.put(s.hash, big.subarray(5000, 6000));
    const db = await openDatabase(names.get(store)!);
    const raw = (await db.get('shards', s.hash))!;
    expect(raw.buffer.byteLength).toBe(1000);
    db.close();
    await store.close();
  });

  it('refuses operations after close', async () => {
    const store = await openStore(`shards-closed-${++counter}`);
    await store.close();
    const s = await shard(10);
    await expect(store.put(s.hash, s.bytes)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
