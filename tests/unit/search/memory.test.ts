import { describe, expect, it } from 'vitest';
import { memoryId, readMemory, signMemory, verifyMemory } from '../../../core/search/memory.ts';
import { mergeHits } from '../../../core/search/merge.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';

const author = (await generateIdentity()).identity;

describe('memories', () => {
  it('are signed over a fixed layout and verify after a JSON round trip', async () => {
    const m = await signMemory(
      author,
      { text: 'Sunset over the old harbour', tags: [' Holiday ', 'holiday', 'Sea'], ref: null },
      1000,
    );
    expect(m.tags).toEqual(['holiday', 'sea']);
    const back = readMemory(JSON.parse(JSON.stringify(m)));
    expect(await verifyMemory(back)).toBe(true);
    expect(await memoryId(back)).toBe(await memoryId(m));
  });

  it('do not verify when text, tags, ref or time change', async () => {
    const m = await signMemory(author, { text: 'original', tags: ['a'], ref: null }, 1000);
    expect(await verifyMemory({ ...m, text: 'forged' })).toBe(false);
    expect(await verifyMemory({ ...m, tags: ['b'] })).toBe(false);
    expect(await verifyMemory({ ...m, ts: 1001 })).toBe(false);
    expect(await verifyMemory({ ...m, ref: `pt1.${'ab'.repeat(32)}` })).toBe(false);
  });

  it('refuse malformed documents with BAD_INPUT, never a crash', () => {
    for (const v of [
      null,
      [],
      { v: 1 },
      { v: 1, text: '', tags: [], ref: null, author: 'ab'.repeat(32), ts: 1, sig: 'ab'.repeat(64) },
      { v: 1, text: 'x', tags: ['UPPER'], ref: null, author: 'ab'.repeat(32), ts: 1, sig: 'ab'.repeat(64) },
      { v: 1, text: 'x', tags: [], ref: 'nope', author: 'ab'.repeat(32), ts: 1, sig: 'ab'.repeat(64) },
    ]) {
      expect(() => readMemory(v)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    }
  });
});

describe('mergeHits', () => {
  it('keeps the best copy of each memory and the top k, in a deterministic order', () => {
    const merged = mergeHits(
      [
        [
          { id: 'b', score: 0.5, memory: 1 },
          { id: 'a', score: 0.9, memory: 1 },
        ],
        [
          { id: 'b', score: 0.7, memory: 2 },
          { id: 'c', score: 0.5, memory: 1 },
        ],
      ],
      2,
    );
    expect(merged.map((h) => [h.id, h.score])).toEqual([
      ['a', 0.9],
      ['b', 0.7],
    ]);
    expect(
      mergeHits(
        [
          [
            { id: 'z', score: 1, memory: 0 },
            { id: 'y', score: 1, memory: 0 },
          ],
        ],
        5,
      ).map((h) => h.id),
    ).toEqual(['y', 'z']);
  });
});
