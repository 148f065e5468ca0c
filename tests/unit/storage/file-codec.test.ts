import { describe, expect, it } from 'vitest';
import { FileDecoder, FileEncoder, verifyShard } from '../../../core/storage/file-codec.ts';
import { fixedSizeChunks } from '../../../core/storage/chunker.ts';
import { parseCapability } from '../../../core/storage/capability.ts';
import { concatBytes, toHex, utf8 } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';

const SHARD = 4096;

function randomFile(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)));
  return out;
}

async function store(file: Uint8Array, opts: { public?: boolean; name?: string } = {}) {
  const encoder = await FileEncoder.create({
    name: opts.name ?? 'photo.jpg',
    type: 'image/jpeg',
    shardSize: SHARD,
    ...(opts.public ? { public: true } : {}),
  });
  const shards = new Map<string, Uint8Array>();
  for await (const piece of fixedSizeChunks([file.subarray(0, 1000), file.subarray(1000)], SHARD)) {
    const s = await encoder.addShard(piece);
    shards.set(s.hash, s.bytes);
  }
  const done = await encoder.finish();
  shards.set(done.manifestShard.hash, done.manifestShard.bytes);
  return { ...done, shards };
}

async function fetchAll(capability: string, shards: Map<string, Uint8Array>): Promise<Uint8Array> {
  const cap = parseCapability(capability);
  const decoder = await FileDecoder.open(cap, shards.get(cap.manifest)!);
  const parts: Uint8Array[] = [];
  for (const [i, h] of decoder.manifest.shards.entries()) parts.push(await decoder.decodeShard(i, shards.get(h)!));
  await decoder.finish();
  return concatBytes(...parts);
}

describe('file codec', () => {
  it('stores an encrypted file whose shards are ciphertext and gets back the exact bytes', async () => {
    const file = randomFile(SHARD * 3 + 123);
    const { capability, manifest, shards } = await store(file);
    expect(capability).toMatch(/^pt1\.[0-9a-f]{64}\.[A-Za-z0-9_-]{43}$/);
    expect(manifest.shards).toHaveLength(4);
    expect(manifest.size).toBe(file.length);
    for (const [hash, bytes] of shards) {
      expect(toHex(await sha256(bytes))).toBe(hash);
      expect(toHex(bytes)).not.toContain(toHex(file.subarray(0, 32)));
    }
    expect(toHex(await fetchAll(capability, shards))).toBe(toHex(file));
  });

  it('keeps the manifest secret for encrypted files: the name is not in any stored byte', async () => {
    const { shards } = await store(randomFile(100), { name: 'secret-diary.txt' });
    for (const bytes of shards.values()) expect(new TextDecoder().decode(bytes)).not.toContain('secret-diary');
  });

  it('de-duplicates identical public content shard by shard', async () => {
    const file = randomFile(SHARD * 2);
    const a = await store(file, { public: true, name: 'a.bin' });
    const b = await store(file, { public: true, name: 'b.bin' });
    expect(a.capability).toMatch(/^pt1\.[0-9a-f]{64}$/);
    expect(a.manifest.shards).toEqual(b.manifest.shards);
    expect(a.manifest.shards[0]).toBe(toHex(await sha256(file.subarray(0, SHARD))));
    expect(toHex(await fetchAll(b.capability, b.shards))).toBe(toHex(file));
  });

  it('encrypts the same file differently each time (random per-file keys)', async () => {
    const file = randomFile(SHARD);
    expect((await store(file)).manifest.shards).not.toEqual((await store(file)).manifest.shards);
  });

  it('handles an empty file', async () => {
    const { capability, shards, manifest } = await store(new Uint8Array(0));
    expect(manifest.shards).toEqual([]);
    expect((await fetchAll(capability, shards)).length).toBe(0);
  });

  it('refuses a shard whose bytes do not match its hash', async () => {
    const { capability, shards, manifest } = await store(randomFile(SHARD * 2));
    const bad = shards.get(manifest.shards[1]!)!.slice();
    bad[10]! ^= 1;
    const decoder = await FileDecoder.open(
      parseCapability(capability),
      shards.get(parseCapability(capability).manifest)!,
    );
    await expect(decoder.decodeShard(1, bad)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    await expect(verifyShard(manifest.shards[0]!, bad)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });

  it('refuses shards swapped between positions even when each is genuine', async () => {
    const { capability, shards, manifest } = await store(randomFile(SHARD * 2), { public: true });
    const decoder = await FileDecoder.open(
      parseCapability(capability),
      shards.get(parseCapability(capability).manifest)!,
    );
    await expect(decoder.decodeShard(0, shards.get(manifest.shards[1]!)!)).rejects.toMatchObject({
      code: 'HASH_MISMATCH',
    });
  });

  it('refuses the right manifest opened with a wrong key', async () => {
    const { capability, shards } = await store(randomFile(10));
    const cap = parseCapability(capability);
    const wrong = { manifest: cap.manifest, key: new Uint8Array(32) };
    await expect(FileDecoder.open(wrong, shards.get(cap.manifest)!)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });

  it('notices a missing shard at finish', async () => {
    const { capability, shards } = await store(randomFile(SHARD * 2));
    const cap = parseCapability(capability);
    const decoder = await FileDecoder.open(cap, shards.get(cap.manifest)!);
    await decoder.decodeShard(0, shards.get(decoder.manifest.shards[0]!)!);
    await expect(decoder.finish()).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('carries a small file’s only shard inside the manifest, verified against the manifest’s shard hash', async () => {
    const file = randomFile(300);
    const encoder = await FileEncoder.create({ name: 'note.txt' });
    const shard = await encoder.addShard(file);
    const { capability, manifest, manifestShard } = await encoder.finish({ inline: shard });
    expect(manifest.shards).toEqual([shard.hash]);
    expect(manifest.inline).toBeDefined();
    const decoder = await FileDecoder.open(parseCapability(capability), manifestShard.bytes);
    const inline = decoder.inlineShard(0)!;
    expect(toHex(inline)).toBe(toHex(shard.bytes)); // sealed, as a relay would have stored it
    expect(decoder.inlineShard(1)).toBeNull();
    expect(toHex(await decoder.decodeShard(0, inline))).toBe(toHex(file));
    await decoder.finish();
  });

  it('refuses to inline anything but the only shard of a file', async () => {
    const encoder = await FileEncoder.create({ name: 'two.bin', shardSize: SHARD });
    const first = await encoder.addShard(randomFile(SHARD));
    await encoder.addShard(randomFile(10));
    await expect(encoder.finish({ inline: first })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('refuses an inlined shard that does not match the shard hash its manifest names', async () => {
    const encoder = await FileEncoder.create({ name: 'note.txt', public: true });
    const shard = await encoder.addShard(randomFile(100));
    const forged = { ...shard, bytes: randomFile(100) }; // a writer that put other bytes in than it named
    const { capability, manifestShard } = await encoder.finish({ inline: forged });
    const decoder = await FileDecoder.open(parseCapability(capability), manifestShard.bytes);
    await expect(decoder.decodeShard(0, decoder.inlineShard(0)!)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });

  it('strips paths from file names', async () => {
    expect((await store(utf8('x') as Uint8Array, { name: '../../etc/passwd' })).manifest.name).toBe('passwd');
  });
});
