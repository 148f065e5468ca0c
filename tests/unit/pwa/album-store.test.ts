// This device's albums in IndexedDB (fake-indexeddb): edits and what the record says merge, two stores on one
// database (two tabs) lose nothing, a deleted file leaves its albums, and another key's albums are dropped.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../pwa/src/data/db.ts';
import { AlbumStore } from '../../../pwa/src/gallery/album-store.ts';
import { addedToAlbum, albumMembers, newAlbum } from '../../../core/library/albums.ts';

const cap = (n: number): string => `pt1.${n.toString(16).padStart(2, '0').repeat(32)}.${'A'.repeat(43)}`;
let counter = 0;

describe('AlbumStore', () => {
  it('merges edits from two tabs and from the record, and tells when this device edited', async () => {
    const db = await openDatabase(`albums-test-${++counter}`);
    const tab1 = await AlbumStore.open(db);
    const tab2 = await AlbumStore.open(db);
    let edited = 0;
    tab1.addEventListener('edited', () => edited++);
    const id = await tab1.create('Holiday', [cap(1)]);
    await tab2.add(id, [cap(2)]); // tab2 reads what tab1 stored before it writes
    await tab1.remove(id, [cap(1)]);
    const remote = addedToAlbum(newAlbum(id, 'Holiday', [], 1), [cap(3)], Date.now() + 10);
    await tab1.absorb([remote], [{ name: 'photos', items: [{ key: 'a.jpg', cap: cap(4) }] }]);
    expect(albumMembers(tab1.get(id)!)).toEqual([cap(2), cap(3)]);
    expect(tab1.buckets().map((b) => b.name)).toEqual(['photos']);
    expect(edited).toBe(2); // create and remove on tab1; absorb is not an edit
    await tab1.forget(cap(2));
    expect(albumMembers(tab1.get(id)!)).toEqual([cap(3)]);
    await tab1.delete(id);
    expect(tab1.list()).toEqual([]);
    expect((await tab1.all()).length).toBe(1); // the tombstone stays for the merge
    db.close();
  });

  it("drops another key's albums when the page takes a new identity", async () => {
    const db = await openDatabase(`albums-test-${++counter}`);
    const store = await AlbumStore.open(db);
    await store.setOwner('aa'.repeat(32));
    await store.create('Mine', [cap(1)]);
    await store.setOwner('aa'.repeat(32));
    expect(store.list().map((a) => a.name)).toEqual(['Mine']);
    await store.setOwner('bb'.repeat(32));
    expect(store.list()).toEqual([]);
    expect((await AlbumStore.open(db)).list()).toEqual([]);
    db.close();
  });
});
