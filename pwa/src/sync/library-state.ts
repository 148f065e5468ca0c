// This device's saved library state (settings → "library-state"): read, written, one read-modify-write at a time.
import { mergeEntry, mergeLibraries, sameLibrary, type LibraryEntry } from '../../../core/library/merge.ts';
import { readAlbums, type LibraryAlbum } from '../../../core/library/albums.ts';
import { readCollections, readEntry, type LibraryCollection } from '../../../core/library/record.ts';
import type { PeerTreeDatabase } from '../data/db.ts';

const STATE_SETTING = 'library-state';

export interface LibraryState {
  readonly owner: string;
  readonly entries: readonly LibraryEntry[];
  /** The head this device last read or published. */
  readonly head: { readonly seq: number; readonly record: string } | null;
  /**
   * Changes made on this device that no version on relays holds yet (removals: the file's record is gone, so
   * only this list remembers them). `entries` stays exactly what the head holds, so that a head this device
   * already read is never taken for one that carries these.
   */
  readonly pending: readonly LibraryEntry[];
  /** The record's collections (the S3 gateway's buckets): never edited here, carried into every version published. */
  readonly collections?: readonly LibraryCollection[];
  /** The albums the head holds (core/library/albums.ts); this device's own edits wait in the album store. */
  readonly albums?: readonly LibraryAlbum[];
}

/** Whether `entries` already hold everything `p` says (merging it in changes nothing). */
function covered(entries: readonly LibraryEntry[], p: LibraryEntry): boolean {
  const e = entries.find((x) => x.cap === p.cap);
  return e !== undefined && sameLibrary([mergeEntry(e, p)], [e]);
}

export class LibraryStateStore {
  /** The end of the chain of read-modify-writes of the saved state (see `exclusive`). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: PeerTreeDatabase,
    private readonly owner: string,
  ) {}

  /**
   * Runs `fn` after every read-modify-write of the saved state started before it has ended. Each one is a read
   * and a later put in separate transactions: two at once (several files removed together, or a removal while
   * a sync saves) would both read the old state and the second put would drop what the first one added.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.turn.then(fn);
    this.turn = turn.catch(() => {});
    return turn;
  }

  async load(): Promise<LibraryState> {
    const v = (await this.db.get('settings', STATE_SETTING))?.value as Partial<LibraryState> | undefined;
    if (!v || v.owner !== this.owner || !Array.isArray(v.entries))
      return { owner: this.owner, entries: [], head: null, pending: [] };
    const read = (list: unknown): LibraryEntry[] => {
      const out: LibraryEntry[] = [];
      for (const e of Array.isArray(list) ? list : []) {
        try {
          out.push(readEntry(e));
        } catch {
          // A damaged entry is dropped; relays still hold the signed record.
        }
      }
      return out;
    };
    const entries = read(v.entries);
    const pending = read(v.pending);
    const head =
      v.head && typeof v.head.seq === 'number' && typeof v.head.record === 'string'
        ? { seq: v.head.seq, record: v.head.record }
        : null;
    let collections: LibraryCollection[] | undefined;
    let albums: LibraryAlbum[] | undefined;
    try {
      collections = v.collections === undefined ? undefined : readCollections(v.collections);
      albums = v.albums === undefined ? undefined : readAlbums(v.albums);
    } catch {
      // Damaged: read again from the record (the cached head is dropped so that it is).
      return { owner: this.owner, entries, head: null, pending };
    }
    return {
      owner: this.owner,
      entries,
      head,
      pending,
      ...(collections ? { collections } : {}),
      ...(albums ? { albums } : {}),
    };
  }

  /**
   * Saves the state. Pending changes are re-read first: one recorded while a sync ran (which loaded the state
   * before it) is kept until a version holds it.
   */
  save(state: LibraryState): Promise<void> {
    return this.exclusive(() => this.write(state));
  }

  /** `save` without taking a turn: only for a caller that holds one (inside `exclusive`). */
  async write(state: LibraryState): Promise<void> {
    const now = await this.load();
    const pending = mergeLibraries(state.pending, now.pending).filter((p) => !covered(state.entries, p));
    await this.db.put('settings', {
      key: STATE_SETTING,
      value: {
        owner: state.owner,
        entries: [...state.entries],
        head: state.head,
        pending,
        ...(state.collections ? { collections: [...state.collections] } : {}),
        ...(state.albums ? { albums: [...state.albums] } : {}),
      },
    });
  }
}
