// The record's optional `collections` (the S3 gateway's buckets): sealed and opened with the entries, absent when
// not given (records stay as before), and malformed collections refused.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { generateIdentity } from '../../../core/identity/index.ts';
import { addedEntry } from '../../../core/library/merge.ts';
import { newLibraryKey, openRecord, readCollections, sealRecord } from '../../../core/library/record.ts';

const CAP = `pt1.${'cd'.repeat(32)}.${'B'.repeat(43)}`;

describe('library record collections', () => {
  it('round-trip with the entries, and are absent from a record sealed without them', async () => {
    const { identity } = await generateIdentity();
    const key = newLibraryKey();
    const owner = toHex(identity.publicKey);
    const entries = [addedEntry({ cap: CAP, name: 'photos/a.jpg', type: 'image/jpeg', size: 3, date: 5 }, 5)];
    const collections = [
      { name: 'photos', items: [{ key: 'a.jpg', cap: CAP }] },
      { name: 'empty', items: [] },
    ];
    const withThem = await sealRecord(identity, key, { version: 1, prev: null }, entries, collections);
    expect(await openRecord(withThem.bytes, key, owner)).toMatchObject({ entries, collections });
    const without = await sealRecord(identity, key, { version: 2, prev: withThem.hash }, entries);
    expect('collections' in (await openRecord(without.bytes, key, owner))).toBe(false);
  });

  it('refuse malformed collections', () => {
    for (const bad of [
      {},
      [{ name: '', items: [] }],
      [{ name: 'b', items: [{ key: 'k', cap: 'not-a-cap' }] }],
      [{ name: 'b', items: [{ key: '', cap: CAP }] }],
      [{ name: 'b' }],
    ]) {
      expect(() => readCollections(bad), JSON.stringify(bad)).toThrow(/library: collection/);
    }
    expect(() =>
      readCollections([{ name: 'b', items: Array.from({ length: 4097 }, () => ({ key: 'k', cap: CAP })) }]),
    ).toThrow(/at most 4096/);
  });
});
