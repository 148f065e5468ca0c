// The outbox's delivery rules, on fake-indexeddb with a scripted transport: an item leaves only after every
// shard and the manifest were acknowledged; connection trouble requeues; a relay's refusal stops and waits for
// a retry; deletes send releases.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { openDatabase, type FileRecord, type PeerTreeDatabase } from '../../../pwa/src/data/db.ts';
import {
  memoryItemId,
  writeMemory as enqueueMemory,
  writeRemoval,
  writeUpload as enqueueUpload,
} from '../../../pwa/src/sync/outbox-store.ts';
import { IdbShardStore } from '../../../pwa/src/data/idb-shard-store.ts';
import { OutboxSync, type OutboxTransport } from '../../../pwa/src/sync/outbox-sync.ts';

let n = 0;
const open: PeerTreeDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

async function setup(shardCount: number, searchable: FileRecord['searchable'] = null) {
  const db = await openDatabase(`outbox-test-${++n}`);
  open.push(db);
  const store = new IdbShardStore(db);
  const shards: string[] = [];
  for (let i = 0; i < shardCount; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(1000 + i));
    const hash = toHex(await sha256(bytes));
    await store.put(hash, bytes);
    shards.push(hash);
  }
  const file: FileRecord = {
    id: 'f1',
    origin: 'added',
    name: 'a.bin',
    size: 1,
    type: '',
    addedAt: 1,
    status: 'queued',
    capability: `pt1.${shards.at(-1)}`,
    fileHash: null,
    shards,
    replicas: null,
    error: null,
    public: false,
    searchable,
  };
  await enqueueUpload(db, file, 1);
  return { db, store, shards };
}

class ScriptedTransport implements OutboxTransport {
  stored: string[] = [];
  released: string[] = [];
  holders = 2;
  failNext: Error | null = null;
  async storeShard(hash: string, _bytes: Uint8Array, replicas: number) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.stored.push(hash);
    return {
      holders: Array.from({ length: Math.max(replicas, this.holders) }, (_, i) => `relay${i}aaaaaaaaaaa`.slice(0, 16)),
    };
  }
  async fetchShard(): Promise<Uint8Array> {
    throw new Error('not used');
  }
  async unpin(hash: string) {
    this.released.push(hash);
    return 1;
  }
  remembered: { text: string; tags: readonly string[]; ref: string | null; replicas: number }[] = [];
  async remember(memory: { text: string; tags: readonly string[]; ref: string | null }, replicas: number) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.remembered.push({ ...memory, replicas });
    return {
      id: `${this.remembered.length}`.padStart(64, '0'),
      holders: Array.from({ length: replicas }, (_, i) => `relay${i}aaaaaaaaaaa`.slice(0, 16)),
    };
  }
}

function syncFor(db: PeerTreeDatabase, store: IdbShardStore, transport: ScriptedTransport, connected = () => true) {
  return new OutboxSync({ db, store, transport, isConnected: connected, replicas: async () => 2, onChange: () => {} });
}

describe('OutboxSync', () => {
  it('sends every data shard, then the manifest last, and only then marks the file stored', async () => {
    const { db, store, shards } = await setup(6);
    const t = new ScriptedTransport();
    const sync = syncFor(db, store, t);
    await sync.drain();
    sync.stop();
    expect(new Set(t.stored)).toEqual(new Set(shards));
    expect(t.stored.at(-1)).toBe(shards.at(-1));
    expect(await db.count('outbox')).toBe(0);
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'stored', replicas: 2 });
  });

  it('sends nothing while disconnected', async () => {
    const { db, store } = await setup(2);
    const t = new ScriptedTransport();
    const sync = syncFor(db, store, t, () => false);
    await sync.drain();
    sync.stop();
    expect(t.stored).toEqual([]);
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'queued' });
  });

  it('requeues on connection trouble and resends only what was not acknowledged', async () => {
    const { db, store, shards } = await setup(3);
    const t = new ScriptedTransport();
    const sync = syncFor(db, store, t);
    // The first shard succeeds; then the connection drops.
    const original = t.storeShard.bind(t);
    let calls = 0;
    t.storeShard = async (hash, bytes, replicas) => {
      calls++;
      if (calls === 2) throw new PeerTreeError('CLOSED', 'the connection to the relay closed');
      return original(hash, bytes, replicas);
    };
    await sync.drain();
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'queued', error: null });
    const item = (await db.get('outbox', 'f1'))!;
    expect(Object.keys(item.acked).length).toBeGreaterThanOrEqual(1);
    expect(item.stopped).toBe(false);

    t.storeShard = original;
    const before = t.stored.length;
    await sync.drain(true); // the connection is back
    sync.stop();
    expect(await db.count('outbox')).toBe(0);
    // Acknowledged shards are not sent again.
    expect(t.stored.length - before).toBe(shards.length - Object.keys(item.acked).length);
  });

  it('keeps a file queued through a tree too small for its replicas, says why, and backs off', async () => {
    const { db, store } = await setup(2);
    const t = new ScriptedTransport();
    t.failNext = new PeerTreeError('UNAVAILABLE', 'need 3 relays for 3 replicas, but the tree has 1', {
      refused: true,
    });
    let now = 10_000;
    const sync = new OutboxSync({
      db,
      store,
      transport: t,
      isConnected: () => true,
      replicas: async () => 2,
      onChange: () => {},
      now: () => now,
      random: () => 0,
    });
    await sync.drain();
    sync.stop();
    const file = (await db.get('files', 'f1'))!;
    expect(file).toMatchObject({
      status: 'queued',
      error: null,
      waiting: 'waiting for 2 more relays to join the network',
    });
    const item = (await db.get('outbox', 'f1'))!;
    expect(item).toMatchObject({ stopped: false, attempts: 1, nextAttemptAt: 11_000 });
    await sync.drain(); // not due yet: nothing is sent
    expect(t.stored).toEqual([]);
    now = 11_000;
    await sync.drain();
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'stored', waiting: null });
    expect(await db.count('outbox')).toBe(0);
  });

  it('a reconnect makes a waiting upload due at once', async () => {
    const { db, store } = await setup(2);
    const t = new ScriptedTransport();
    t.failNext = new PeerTreeError('CLOSED', 'the connection closed');
    const sync = new OutboxSync({
      db,
      store,
      transport: t,
      isConnected: () => true,
      replicas: async () => 2,
      onChange: () => {},
      now: () => 0,
      random: () => 1,
    });
    await sync.drain();
    expect(await db.get('files', 'f1')).toMatchObject({
      status: 'queued',
      waiting: 'waiting for a connection to a relay',
    });
    await sync.drain(true);
    sync.stop();
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'stored' });
  });

  it('stops on a final refusal with the reason in plain words, and delivers after a retry', async () => {
    const { db, store } = await setup(2);
    const t = new ScriptedTransport();
    t.failNext = new PeerTreeError('FULL', 'storage quota of key abcd… is used up on this relay (10 shards)', {
      refused: true,
    });
    const sync = syncFor(db, store, t);
    await sync.drain();
    const file = (await db.get('files', 'f1'))!;
    expect(file.status).toBe('error');
    expect(file.error).toContain('allowance');
    expect((await db.get('outbox', 'f1'))!.stopped).toBe(true);
    await sync.drain(true); // a stopped item is not retried on its own, not even on reconnect
    expect((await db.get('files', 'f1'))!.status).toBe('error');

    await sync.retry('f1');
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 50 && (await db.count('outbox')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    sync.stop();
    expect((await db.get('files', 'f1'))!.status).toBe('stored');
  });

  it('a delete everywhere queues signed releases for the stored shards and sends them', async () => {
    const { db, store, shards } = await setup(3);
    const t = new ScriptedTransport();
    const sync = syncFor(db, store, t);
    await sync.drain();
    const { releasing } = await writeRemoval(db, 'f1', true, (h) => store.delete(h), 5);
    expect(releasing).toBe(shards.length);
    expect(await db.get('files', 'f1')).toBeUndefined();
    expect((await store.stats()).shards).toBe(0);
    await sync.drain();
    sync.stop();
    expect(new Set(t.released)).toEqual(new Set(shards));
    expect(await db.count('outbox')).toBe(0);
  });

  it("takes the library's requests: an enqueued upload is sent, a removal queues and sends its releases", async () => {
    const { db, store, shards } = await setup(2);
    await db.clear('outbox');
    const t = new ScriptedTransport();
    let queued = 0;
    const sync = new OutboxSync({
      db,
      store,
      transport: t,
      isConnected: () => true,
      replicas: async () => 2,
      onChange: () => {},
      onQueued: () => queued++,
    });
    await sync.enqueueUpload((await db.get('files', 'f1'))!);
    await sync.whenIdle();
    expect(queued).toBe(1);
    expect((await db.get('files', 'f1'))!.status).toBe('stored');
    expect(await sync.remove('f1', true)).toBe(shards.length);
    await sync.whenIdle();
    sync.stop();
    expect(queued).toBe(2);
    expect(new Set(t.released)).toEqual(new Set(shards));
    expect(await db.count('outbox')).toBe(0);
    expect(await db.get('files', 'f1')).toBeUndefined();
  });

  it('a local delete of a never-sent file queues no releases', async () => {
    const { db, store } = await setup(2);
    const { releasing } = await writeRemoval(db, 'f1', true, (h) => store.delete(h), 5);
    expect(releasing).toBe(0);
    expect(await db.count('outbox')).toBe(0);
  });
});

describe('OutboxSync: memories (searchable files and notes)', () => {
  it("sends a searchable file's memory only after its upload, with the capability as ref, and records the memory id", async () => {
    const { db, store, shards } = await setup(3, { text: 'a.bin\nholiday photos', tags: ['beach'] });
    const t = new ScriptedTransport();
    const order: string[] = [];
    const storeShard = t.storeShard.bind(t);
    t.storeShard = async (hash, bytes, replicas) => {
      order.push(`shard:${hash}`);
      return storeShard(hash, bytes, replicas);
    };
    const remember = t.remember.bind(t);
    t.remember = async (memory, replicas) => {
      order.push('memory');
      return remember(memory, replicas);
    };
    expect(await db.get('outbox', memoryItemId('f1'))).toMatchObject({ kind: 'memory', fileId: 'f1' });
    const sync = syncFor(db, store, t);
    await sync.drain();
    sync.stop();
    expect(order.at(-1)).toBe('memory');
    expect(order.filter((o) => o.startsWith('shard:'))).toHaveLength(shards.length);
    expect(t.remembered).toEqual([
      { text: 'a.bin\nholiday photos', tags: ['beach'], ref: `pt1.${shards.at(-1)}`, replicas: 2 },
    ]);
    expect(await db.count('outbox')).toBe(0);
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'stored', memoryId: '1'.padStart(64, '0') });
  });

  it('a file that is not searchable sends no memory', async () => {
    const { db, store } = await setup(2);
    const t = new ScriptedTransport();
    const sync = syncFor(db, store, t);
    await sync.drain();
    sync.stop();
    expect(t.remembered).toEqual([]);
    expect(await db.get('files', 'f1')).toMatchObject({ status: 'stored' });
  });

  it('the memory waits while its upload is refused, and is dropped when the file is deleted', async () => {
    const { db, store } = await setup(2, { text: 'a.bin', tags: [] });
    const t = new ScriptedTransport();
    t.failNext = new PeerTreeError('FORBIDDEN', 'not allowed', { refused: true });
    const sync = syncFor(db, store, t);
    await sync.drain();
    expect((await db.get('outbox', 'f1'))!.stopped).toBe(true);
    expect(t.remembered).toEqual([]);
    expect(await db.get('outbox', memoryItemId('f1'))).toBeDefined();
    await writeRemoval(db, 'f1', false, (h) => store.delete(h), 5);
    expect(await db.get('outbox', memoryItemId('f1'))).toBeUndefined();
    await sync.drain();
    sync.stop();
    expect(t.remembered).toEqual([]);
  });

  it("a refused memory leaves the stored file stored, says why, and is sent again on the user's retry", async () => {
    const { db, store } = await setup(2, { text: 'a.bin', tags: [] });
    const t = new ScriptedTransport();
    const remember = t.remember.bind(t);
    let refuse = true;
    t.remember = async (memory, replicas) => {
      if (refuse) throw new PeerTreeError('FORBIDDEN', 'memories are not accepted here', { refused: true });
      return remember(memory, replicas);
    };
    const sync = syncFor(db, store, t);
    await sync.drain();
    expect(await db.get('files', 'f1')).toMatchObject({
      status: 'stored',
      memoryError: expect.stringContaining('FORBIDDEN'),
    });
    expect((await db.get('files', 'f1'))!.memoryId ?? null).toBeNull();
    expect((await db.get('outbox', memoryItemId('f1')))!.stopped).toBe(true);
    await sync.drain(); // not resent on its own
    expect(t.remembered).toEqual([]);

    refuse = false;
    await sync.retryMemory('f1');
    for (let i = 0; i < 50 && (await db.count('outbox')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    sync.stop();
    expect(t.remembered).toHaveLength(1);
    expect(await db.get('files', 'f1')).toMatchObject({
      status: 'stored',
      memoryId: '1'.padStart(64, '0'),
      memoryError: null,
    });
  });

  it('a note is delivered on its own; a refusal stops it with the reason', async () => {
    const db = await openDatabase(`outbox-test-${++n}`);
    open.push(db);
    const store = new IdbShardStore(db);
    const t = new ScriptedTransport();
    const first = await enqueueMemory(db, { text: 'buy milk', tags: ['todo'], ref: null }, 1);
    const sync = syncFor(db, store, t);
    await sync.drain();
    expect(t.remembered).toEqual([{ text: 'buy milk', tags: ['todo'], ref: null, replicas: 2 }]);
    expect(await db.get('outbox', first)).toBeUndefined();

    const second = await enqueueMemory(db, { text: 'refused', tags: [], ref: null }, 2);
    t.failNext = new PeerTreeError('BAD_SIGNATURE', 'memory signature does not verify', { refused: true });
    await sync.drain();
    sync.stop();
    expect(await db.get('outbox', second)).toMatchObject({
      stopped: true,
      lastError: expect.stringContaining('BAD_SIGNATURE'),
    });
  });

  it('stops an upload removed while it runs, and releases every shard of it, also those never sent', async () => {
    const { db, store, shards } = await setup(12);
    const t = new ScriptedTransport();
    const never = new Set<string>();
    // The relay holds only what it took: a release of anything else is refused as "no pin to release".
    t.unpin = async (hash: string) => {
      if (!t.stored.includes(hash)) {
        never.add(hash);
        throw new PeerTreeError('FORBIDDEN', 'no pin to release', { refused: true });
      }
      t.released.push(hash);
      return 1;
    };
    const sync = syncFor(db, store, t);
    let removed = false;
    const storeShard = t.storeShard.bind(t);
    t.storeShard = async (hash: string, bytes: Uint8Array, replicas: number) => {
      const receipt = await storeShard(hash, bytes, replicas);
      // The person cancels after the third shard: the file and its upload leave, a release item is written.
      if (t.stored.length === 3 && !removed) {
        removed = true;
        await db.put('files', { ...(await db.get('files', 'f1'))!, status: 'uploading' });
        await writeRemoval(db, 'f1', true, (h) => store.delete(h), 5);
      }
      return receipt;
    };
    await sync.drain();
    await sync.drain();
    // At most the shards in flight when it was cancelled were sent; the manifest never was.
    expect(t.stored.length).toBeLessThanOrEqual(3 + 4);
    expect(t.stored).not.toContain(shards.at(-1));
    expect(new Set(t.released)).toEqual(new Set(t.stored));
    expect(t.released.length + never.size).toBe(shards.length);
    expect(await db.getAll('outbox')).toEqual([]);
    expect(await db.get('files', 'f1')).toBeUndefined();
  });
});
