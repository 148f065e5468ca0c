import { describe, it } from 'vitest';
import fc from 'fast-check';
import { fixedSizeChunks } from '../../../core/storage/chunker.ts';
import { concatBytes, toHex } from '../../../core/bytes.ts';

describe('fixedSizeChunks', () => {
  it('cuts any sequence of chunks into full shards and one shorter tail, preserving every byte', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 20 }), fc.integer({ min: 1, max: 17 }), async (chunks, size) => {
        const out: Uint8Array[] = [];
        for await (const c of fixedSizeChunks(chunks, size)) out.push(c.slice());
        const all = concatBytes(...chunks);
        const ok = out.slice(0, -1).every((c) => c.length === size) && out.every((c) => c.length > 0 && c.length <= size);
        return ok && toHex(concatBytes(...out)) === toHex(all) && out.length === Math.ceil(all.length / size);
      }),
    );
  });
});
