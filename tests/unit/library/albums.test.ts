// Albums in the library record: membership edits made on two devices both survive the merge, a rename is
// last-writer-wins by the record's clock, the merge is order-free, and albums round-trip through a sealed record.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { generateIdentity } from '../../../core/identity/index.ts';
import {
  addedToAlbum,
  albumMembers,
  albumShown,
  mergeAlbums,
  newAlbum,
  readAlbums,
  removedAlbum,
  removedFromAlbum,
  renamedAlbum,
  sameAlbums,
  type LibraryAlbum,
} from '../../../core/library/albums.ts';
import { newLibraryKey, openRecord, sealRecord } from '../../../core/library/record.ts';

const cap = (n: number): string => `pt1.${n.toString(16).padStart(2, '0').repeat(32)}.${'A'.repeat(43)}`;
const ID = 'ab'.repeat(16);

describe('album merge', () => {
  const base = newAlbum(ID, 'Holiday', [cap(1), cap(2)], 100);

  it('keeps membership edits from both devices', () => {
    const a = removedFromAlbum(addedToAlbum(base, [cap(3)], 200), [cap(1)], 210);
    const b = addedToAlbum(base, [cap(4)], 205);
    const merged = mergeAlbums([a], [b]);
    expect(albumMembers(merged[0]!)).toEqual([cap(2), cap(3), cap(4)]);
    expect(sameAlbums(merged, mergeAlbums([b], [a]))).toBe(true);
  });

  it('a removal wins over earlier adds, a later add brings the file back, a tie keeps it', () => {
    const removed = removedFromAlbum(base, [cap(1)], 300);
    const earlierAdd = addedToAlbum(base, [cap(1)], 250);
    expect(albumMembers(mergeAlbums([removed], [earlierAdd])[0]!)).not.toContain(cap(1));
    const laterAdd = addedToAlbum(removed, [cap(1)], 400);
    expect(albumMembers(mergeAlbums([removed], [laterAdd])[0]!)).toContain(cap(1));
    const tie: LibraryAlbum = { ...base, items: [{ cap: cap(1), addedAt: 500, removedAt: 500 }] };
    expect(albumMembers(tie)).toEqual([cap(1)]);
  });

  it('a rename is last-writer-wins by nameAt; a tie goes to the greater name on every device', () => {
    const early = renamedAlbum(base, 'Summer', 200);
    const late = renamedAlbum(base, 'Italy 2024', 300);
    expect(mergeAlbums([early], [late])[0]!.name).toBe('Italy 2024');
    expect(mergeAlbums([late], [early])[0]!.name).toBe('Italy 2024');
    const x = { ...base, name: 'Alpha', nameAt: 700 };
    const y = { ...base, name: 'Beta', nameAt: 700 };
    expect(mergeAlbums([x], [y])[0]!.name).toBe('Beta');
    expect(mergeAlbums([y], [x])[0]!.name).toBe('Beta');
    // A rename never loses the memberships the other side added.
    const added = addedToAlbum(base, [cap(9)], 250);
    expect(albumMembers(mergeAlbums([late], [added])[0]!)).toContain(cap(9));
  });

  it('is idempotent and associative, and a deleted album stays deleted', () => {
    const a = addedToAlbum(base, [cap(5)], 150);
    const b = renamedAlbum(base, 'B', 160);
    const c = removedAlbum(base, 170);
    const other = newAlbum('cd'.repeat(16), 'Other', [cap(6)], 120);
    const left = mergeAlbums(mergeAlbums([a], [b]), [c, other]);
    const right = mergeAlbums([a], mergeAlbums([b, other], [c]));
    expect(sameAlbums(left, right)).toBe(true);
    expect(sameAlbums(mergeAlbums(left, left), left)).toBe(true);
    expect(left.map((x) => x.id)).toEqual([ID, 'cd'.repeat(16)]);
    expect(albumShown(left[0]!)).toBe(false);
    expect(albumShown(left[1]!)).toBe(true);
  });

  it('refuses malformed albums and too many', () => {
    for (const bad of [
      {},
      [{ id: 'x', name: 'a', nameAt: 1, addedAt: 1, removedAt: 0, items: [] }],
      [{ id: ID, name: 'a', nameAt: -1, addedAt: 1, removedAt: 0, items: [] }],
      [{ id: ID, name: 'a', nameAt: 1, addedAt: 1, removedAt: 0, items: [{ cap: 'nope', addedAt: 1, removedAt: 0 }] }],
      [{ id: ID, name: 'a', nameAt: 1, addedAt: 1, removedAt: 0 }],
    ])
      expect(() => readAlbums(bad), JSON.stringify(bad)).toThrow(/library: album/);
    const many = Array.from({ length: 4097 }, (_, i) => ({ cap: cap(i % 256), addedAt: i, removedAt: 0 }));
    expect(() => readAlbums([{ ...base, items: many }])).toThrow(/at most 4096/);
  });
});

describe('albums in the record', () => {
  it('round-trip, and a record sealed without them has none', async () => {
    const { identity } = await generateIdentity();
    const key = newLibraryKey();
    const owner = toHex(identity.publicKey);
    const albums = [newAlbum(ID, 'Holiday', [cap(2), cap(1)], 100)];
    const sealed = await sealRecord(identity, key, { version: 1, prev: null }, [], undefined, albums);
    const opened = await openRecord(sealed.bytes, key, owner);
    expect(opened.albums).toEqual(mergeAlbums(albums, []));
    expect(albumMembers(opened.albums![0]!)).toEqual([cap(1), cap(2)]);
    const without = await sealRecord(identity, key, { version: 2, prev: sealed.hash }, []);
    expect('albums' in (await openRecord(without.bytes, key, owner))).toBe(false);
  });
});
