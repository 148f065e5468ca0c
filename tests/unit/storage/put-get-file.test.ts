import { describe, expect, it } from 'vitest';
import { putFile } from '../../../core/storage/put-file.ts';
import { getFile } from '../../../core/storage/get-file.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import { concatBytes, toHex } from '../../../core/bytes.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { GET_WINDOW_MAX, INLINE_FILE_BYTES } from '../../../core/limits.ts';

const SHARD = 4096;

class MemoryTransport implements ShardTransport {
  readonly shards = new Map<string, Uint8Array>();
  storeCalls = 0;
  fetchCalls = 0;
  maxInFlight = 0;
  private inFlight = 0;
  corruptNext = 0;
  /** How long each store takes (ms): long enough, and every shard of a window is in flight at once. */
  storeMs = 1;

  async storeShard(hash: string, bytes: Uint8Array, replicas: number) {
    this.storeCalls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, this.storeMs));
    this.inFlight--;
    if (replicas > 3) throw new PeerTreeError('UNAVAILABLE', 'tree has 3 relays');
    this.shards.set(hash, bytes.slice());
    return { holders: ['a', 'b', 'c'].slice(0, replicas) };
  }

  async fetchShard(hash: string) {
    this.fetchCalls++;
    const bytes = this.shards.get(hash);
    if (!bytes) throw new PeerTreeError('NOT_FOUND', 'no such shard');
    if (this.corruptNext > 0) {
      this.corruptNext--;
      const bad = bytes.slice();
      bad[0]! ^= 1;
      return bad;
    }
    return bytes;
  }
}

function randomFile(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)));
  return out;
}

async function collect(capability: string, t: ShardTransport, range?: { start: number; end: number }) {
  const parts: Uint8Array[] = [];
  await getFile(capability, t, (b) => void parts.push(b.slice()), { ...(range ? { range } : {}) });
  return concatBytes(...parts);
}

describe('putFile and getFile', () => {
  it('store a file as shards plus a manifest and fetch back the exact bytes', async () => {
    const t = new MemoryTransport();
    const file = randomFile(SHARD * 10 + 5);
    const progress: number[] = [];
    const { capability, manifest } = await putFile([file], t, {
      name: 'x.bin',
      shardSize: SHARD,
      replicas: 3,
      onProgress: (p) => progress.push(p.doneBytes),
    });
    expect(t.storeCalls).toBe(12);
    expect(manifest.shards).toHaveLength(11);
    expect(progress.at(-1)).toBe(file.length);
    expect(toHex(await collect(capability, t))).toBe(toHex(file));
  });

  it('keeps at most four shards in flight while storing', async () => {
    const t = new MemoryTransport();
    await putFile([randomFile(SHARD * 20)], t, { name: 'x', shardSize: SHARD });
    expect(t.maxInFlight).toBeLessThanOrEqual(4);
    expect(t.maxInFlight).toBeGreaterThan(1);
  });

  it('keeps as many shards in flight as the transport’s put window says, re-read as it changes', async () => {
    const t = Object.assign(new MemoryTransport(), { storeMs: 40 });
    const asked: number[] = [];
    let window = 2;
    Object.assign(t, {
      putWindow: () => {
        asked.push(window);
        return window;
      },
    });
    const progress = () => (window = 9);
    await putFile([randomFile(SHARD * 40)], t, { name: 'x', shardSize: SHARD, onProgress: progress });
    expect(asked[0]).toBe(2);
    expect(asked).toContain(9);
    expect(t.maxInFlight).toBe(9);
  });

  it('never keeps more than GET_WINDOW_MAX shards in flight, whatever the put window says', async () => {
    const t = Object.assign(new MemoryTransport(), { storeMs: 40, putWindow: () => 1_000 });
    await putFile([randomFile(SHARD * 40)], t, { name: 'x', shardSize: SHARD });
    expect(t.maxInFlight).toBe(GET_WINDOW_MAX);
  });

  it('a fixed concurrency wins over the transport’s put window', async () => {
    const t = Object.assign(new MemoryTransport(), { storeMs: 40, putWindow: () => 12 });
    await putFile([randomFile(SHARD * 20)], t, { name: 'x', shardSize: SHARD, concurrency: 3 });
    expect(t.maxInFlight).toBe(3);
  });

  it('fails with the transport’s clear error when the tree cannot supply the replicas', async () => {
    await expect(
      putFile([randomFile(100)], new MemoryTransport(), { name: 'x', shardSize: SHARD, replicas: 5 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('fetches a corrupted shard again and still returns the exact bytes', async () => {
    const t = new MemoryTransport();
    const file = randomFile(SHARD * 3);
    const { capability } = await putFile([file], t, { name: 'x', shardSize: SHARD });
    t.corruptNext = 2;
    expect(toHex(await collect(capability, t))).toBe(toHex(file));
  });

  it('fails when every copy it gets is corrupt, writing nothing unverified for that shard', async () => {
    const t = new MemoryTransport();
    const { capability } = await putFile([randomFile(SHARD)], t, { name: 'x', shardSize: SHARD });
    t.corruptNext = 1; // the manifest
    await collect(capability, t); // recovers on a second attempt
    t.corruptNext = 100;
    await expect(collect(capability, t)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });

  it('gets a small file in one request: its only shard travels inside the manifest and is never stored alone', async () => {
    const t = new MemoryTransport();
    const file = randomFile(4096);
    const progress: number[] = [];
    const { capability, manifest } = await putFile([file], t, {
      name: 'icon.png',
      onProgress: (p) => progress.push(p.doneBytes),
    });
    expect(t.storeCalls).toBe(1); // the manifest only
    expect(t.shards.has(manifest.shards[0]!)).toBe(false);
    expect(manifest.inline).toBeDefined();
    expect(progress.at(-1)).toBe(file.length);
    expect(toHex(await collect(capability, t))).toBe(toHex(file));
    expect(t.fetchCalls).toBe(1);
    // A byte range of it comes from the manifest too.
    expect(toHex(await collect(capability, t, { start: 100, end: 199 }))).toBe(toHex(file.subarray(100, 200)));
    expect(t.fetchCalls).toBe(2);
  });

  it('stores the shard on its own for a file over the inline limit, or with inlining off, and gets it as before', async () => {
    for (const [size, inlineBytes] of [
      [INLINE_FILE_BYTES + 1, undefined],
      [INLINE_FILE_BYTES, undefined],
      [100, 0],
    ] as const) {
      const t = new MemoryTransport();
      const file = randomFile(size);
      const { capability, manifest } = await putFile([file], t, {
        name: 'x',
        ...(inlineBytes !== undefined ? { inlineBytes } : {}),
      });
      const inlined = size <= INLINE_FILE_BYTES && inlineBytes !== 0;
      expect(manifest.inline !== undefined, `${size}`).toBe(inlined);
      expect(t.storeCalls).toBe(inlined ? 1 : 2);
      expect(toHex(await collect(capability, t))).toBe(toHex(file));
      expect(t.fetchCalls).toBe(inlined ? 1 : 2);
    }
  });

  it('inlines nothing when a small first chunk turns out not to be the last one', async () => {
    const t = new MemoryTransport();
    const file = randomFile(SHARD + 10);
    const { capability, manifest } = await putFile([file], t, { name: 'x', shardSize: SHARD });
    expect(manifest.inline).toBeUndefined();
    expect(t.storeCalls).toBe(3);
    expect(toHex(await collect(capability, t))).toBe(toHex(file));
  });

  it('serves byte ranges across shard boundaries', async () => {
    const t = new MemoryTransport();
    const file = randomFile(SHARD * 5 + 77);
    const { capability } = await putFile([file], t, { name: 'v.mp4', shardSize: SHARD, public: true });
    for (const [start, end] of [
      [0, 0],
      [10, SHARD * 2 + 3],
      [SHARD, SHARD * 2 - 1],
      [file.length - 10, file.length - 1],
    ] as const) {
      expect(toHex(await collect(capability, t, { start, end }))).toBe(toHex(file.subarray(start, end + 1)));
    }
    const before = t.fetchCalls;
    await collect(capability, t, { start: SHARD * 3 + 1, end: SHARD * 3 + 2 });
    expect(t.fetchCalls - before).toBe(2); // the manifest and one shard
    await expect(collect(capability, t, { start: 5, end: file.length })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
