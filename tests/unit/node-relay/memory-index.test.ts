import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MemoryIndex } from '../../../node-relay/search/memory-index.ts';
import { memoryId, signMemory } from '../../../core/search/memory.ts';
import { parseQuery } from '../../../core/search/query.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';

const author = (await generateIdentity()).identity;

async function indexWith(texts: string[]): Promise<{ index: MemoryIndex; ids: string[] }> {
  const index = new MemoryIndex(new Database(':memory:'));
  const ids: string[] = [];
  for (const [i, text] of texts.entries()) {
    const m = await signMemory(author, { text, tags: [], ref: null }, 1000 + i);
    const id = await memoryId(m);
    index.add(id, m);
    ids.push(id);
  }
  return { index, ids };
}

describe('MemoryIndex', () => {
  it('finds memories by words, best coverage first, and not below the floor', async () => {
    const { index, ids } = await indexWith(['sunset over the harbour', 'a harbour at noon', 'mountain lake at dawn']);
    const hits = index.search(parseQuery('harbour sunset'), 10);
    expect(hits.map((h) => h.id)).toEqual([ids[0], ids[1]]);
    expect(hits[0]!.score).toBeGreaterThan(1);
    expect(index.search(parseQuery('harbour sunset boat fishing'), 10)).toHaveLength(1);
  });

  it('matches phrases only as phrases', async () => {
    const { index, ids } = await indexWith(['old harbour', 'harbour of the old town']);
    expect(index.search(parseQuery('"old harbour"'), 10).map((h) => h.id)).toEqual([ids[0]]);
  });

  it('answers hostile queries with results or nothing, never an error', async () => {
    const { index } = await indexWith(['select star from memories', 'NEAR the "quoted" place']);
    const hostile = [
      `'); DROP TABLE memories; --`,
      'NEAR(a b) AND NOT c OR *',
      'body:secret ^start col:*',
      '"unterminated phrase',
      '"" """ "\\"',
      'x'.repeat(10_000),
      Buffer.from([0xff, 0xfe, 0xc0, 0x80]).toString('latin1'),
      '\u0000\u0001',
    ];
    for (const q of hostile) expect(() => index.search(parseQuery(q), 10), q.slice(0, 30)).not.toThrow();
    expect(index.search(parseQuery('select * from memories'), 10)).toHaveLength(1);
    expect(index.size).toBe(2);
  });

  it('summarises its words and forgets deleted ones', async () => {
    const { index, ids } = await indexWith(['kayak river', 'piano lesson']);
    expect(index.words.has('kayak')).toBe(true);
    expect(index.delete(ids[0]!)).toBe(true);
    expect(index.words.has('kayak')).toBe(false);
    expect(index.words.has('piano')).toBe(true);
    expect(index.search(parseQuery('kayak'), 10)).toEqual([]);
  });

  it('indexes a memory once however often it arrives', async () => {
    const { index } = await indexWith(['twice']);
    const m = await signMemory(author, { text: 'twice', tags: [], ref: null }, 1000);
    expect(index.add(await memoryId(m), m)).toBe(false);
    expect(index.size).toBe(1);
  });
});
