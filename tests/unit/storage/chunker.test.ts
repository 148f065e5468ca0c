import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedSizeChunks } from '../../../core/storage/chunker.ts';
import { concatBytes, toHex } from '../../../core/bytes.ts';

describe('fixedSizeChunks', () => {
  it('cuts any sequence of chunks into full shards and one shorter tail, preserving every byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 17 }),
        async (chunks, size) => {
          const out: Uint8Array[] = [];
          for await (const c of fixedSizeChunks(chunks, size)) out.push(c.slice());
          const all = concatBytes(...chunks);
          const ok =
            out.slice(0, -1).every((c) => c.length === size) && out.every((c) => c.length > 0 && c.length <= size);
          return ok && toHex(concatBytes(...out)) === toHex(all) && out.length === Math.ceil(all.length / size);
        },
      ),
    );
  });

  it('hands on a whole shard inside one source chunk without a copy, and copies only pieces that span chunks', async () => {
    const a = new Uint8Array(10).map((_, i) => i);
    const b = new Uint8Array(7).map((_, i) => 100 + i);
    const out: Uint8Array[] = [];
    for await (const c of fixedSizeChunks([a, b], 4)) out.push(c);
    expect(out.map((c) => [...c])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 100, 101], [102, 103, 104, 105], [106]]);
    // The first two are views of `a` (no copy); the one spanning a and b is a new buffer, not aliasing either.
    expect(out[0]!.buffer).toBe(a.buffer);
    expect(out[1]!.buffer).toBe(a.buffer);
    expect(out[2]!.buffer).not.toBe(a.buffer);
    expect(out[2]!.buffer).not.toBe(b.buffer);
    // A spanning piece gets its own buffer each time: a consumer may keep every shard it was given.
    const kept: Uint8Array[] = [];
    for await (const c of fixedSizeChunks(
      [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6]), new Uint8Array([7, 8, 9])],
      2,
    ))
      kept.push(c);
    expect(kept.map((c) => [...c])).toEqual([[1, 2], [3, 4], [5, 6], [7, 8], [9]]);
  });
});
