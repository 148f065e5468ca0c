// This device's view of the person's albums (core/library/albums.ts) and of the S3 gateway's buckets (the
// record's `collections`, read-only here), kept in IndexedDB; edits merge into what is stored, so two tabs lose
// nothing, and the library sync (sync/library-sync.ts) merges them with the record on relays.
import { toHex } from '../../../core/bytes.ts';
import { randomBytes } from '../../../core/crypto/webcrypto.ts';
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
import { readCollections, type LibraryCollection } from '../../../core/library/collections.ts';
import type { PeerTreeDatabase } from '../data/db.ts';

const SETTING = 'albums';

interface Saved {
  readonly owner: string | null;
  readonly albums: LibraryAlbum[];
  readonly buckets: LibraryCollection[];
}

function parse(value: unknown): Saved {
  const v = value as { owner?: unknown; albums?: unknown; buckets?: unknown } | undefined;
  try {
    return {
      owner: typeof v?.owner === 'string' ? v.owner : null,
      albums: v?.albums === undefined ? [] : readAlbums(v.albums),
      buckets: v?.buckets === undefined ? [] : readCollections(v.buckets),
    };
  } catch {
    // Damaged: the record on relays holds the albums and brings them back at the next sync.
    return { owner: typeof v?.owner === 'string' ? v.owner : null, albums: [], buckets: [] };
  }
}

/**
 * Events: `change` after any change (redraw), `edited` after a change made on this device (publish it).
 */
export class AlbumStore extends EventTarget {
  private saved: Saved = { owner: null, albums: [], buckets: [] };

  private constructor(private readonly db: PeerTreeDatabase) {
    super();
  }

  static async open(db: PeerTreeDatabase): Promise<AlbumStore> {
    const store = new AlbumStore(db);
    store.saved = parse((await db.get('settings', SETTING))?.value);
    return store;
  }

  /** The identity the albums belong to: another one's albums are dropped (the page took a new key). */
  async setOwner(owner: string): Promise<void> {
    await this.write((s) =>
      s.owner !== null && s.owner !== owner ? { owner, albums: [], buckets: [] } : { ...s, owner },
    );
  }

  /** Albums shown (not deleted), by name. */
  list(): LibraryAlbum[] {
    return this.saved.albums.filter(albumShown).sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1));
  }

  get(id: string): LibraryAlbum | undefined {
    return this.saved.albums.find((a) => a.id === id && albumShown(a));
  }

  /** The S3 gateway's buckets, as the record last read says. */
  buckets(): readonly LibraryCollection[] {
    return this.saved.buckets;
  }

  /** Every album with its tombstones, as stored now (what the sync merges with the record). */
  async create(name: string, caps: readonly string[]): Promise<string> {
    const id = toHex(randomBytes(16));
    await this.edit(id, () => newAlbum(id, name, caps, Date.now()));
    return id;
  }

  rename(id: string, name: string): Promise<void> {
    return this.edit(id, (a) => (a ? renamedAlbum(a, name, Date.now()) : null));
  }

  add(id: string, caps: readonly string[]): Promise<void> {
    return this.edit(id, (a) => (a ? addedToAlbum(a, caps, Date.now()) : null));
  }

  remove(id: string, caps: readonly string[]): Promise<void> {
    return this.edit(id, (a) => (a ? removedFromAlbum(a, caps, Date.now()) : null));
  }

  delete(id: string): Promise<void> {
    return this.edit(id, (a) => (a ? removedAlbum(a, Date.now()) : null));
  }

  /** The file with this capability was deleted: it leaves every album it was in (on every device). */
  async forget(cap: string): Promise<void> {
    const now = Date.now();
    const changed = await this.write((s) => ({
      ...s,
      albums: mergeAlbums(
        s.albums,
        s.albums.filter((a) => albumMembers(a).includes(cap)).map((a) => removedFromAlbum(a, [cap], now)),
      ),
    }));
    if (changed) this.dispatchEvent(new Event('edited'));
  }

  /** Every album as stored, tombstones included (what a merge takes in), read afresh. */
  async all(): Promise<LibraryAlbum[]> {
    this.saved = parse((await this.db.get('settings', SETTING))?.value);
    return this.saved.albums;
  }

  /** Takes in what the record on relays says; resolves with the albums as stored now (this device's and the record's). */
  async absorb(albums: readonly LibraryAlbum[], buckets: readonly LibraryCollection[]): Promise<LibraryAlbum[]> {
    await this.write((s) => ({ ...s, albums: mergeAlbums(s.albums, albums), buckets: [...buckets] }));
    return this.saved.albums;
  }

  /** `change` gets the album as stored now (undefined when there is none) and returns it changed, or null. */
  private async edit(id: string, change: (album: LibraryAlbum | undefined) => LibraryAlbum | null): Promise<void> {
    const changed = await this.write((s) => {
      const next = change(s.albums.find((a) => a.id === id));
      return next ? { ...s, albums: mergeAlbums(s.albums, [next]) } : s;
    });
    if (changed) this.dispatchEvent(new Event('edited'));
  }

  /** Applies `change` to what is stored now, in one transaction; true when it changed anything. */
  private async write(change: (s: Saved) => Saved): Promise<boolean> {
    const tx = this.db.transaction('settings', 'readwrite');
    const before = parse((await tx.store.get(SETTING))?.value);
    const after = change(before);
    const changed =
      after.owner !== before.owner ||
      !sameAlbums(after.albums, before.albums) ||
      JSON.stringify(after.buckets) !== JSON.stringify(before.buckets);
    if (changed) await tx.store.put({ key: SETTING, value: after });
    await tx.done;
    this.saved = after;
    if (changed) this.dispatchEvent(new Event('change'));
    return changed;
  }
}
