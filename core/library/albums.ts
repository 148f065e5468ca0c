// Albums: named sets of the person's files, kept in the library record next to its entries (record.ts writes
// and reads them as the optional top-level `albums` field) and merged like them, state-based:
//
//   id             made once by the device that created the album (32 hex chars, random): the key of the set
//   name, nameAt   last-writer-wins register on the record's clock (the devices' ms): the higher nameAt wins, a
//                  tie goes to the greater name, as for file names and notes (merge.ts)
//   addedAt        latest creation (or restore) on any device: max;  removedAt  latest deletion (0 = never): max
//                  the album is shown while addedAt >= removedAt (add wins at the same millisecond)
//   items          one membership per capability with its own addedAt / removedAt, merged the same way: a file
//                  added on one device and another added on a second both stay; a removal wins over the adds
//                  made before it, and a later add brings the file back
// mergeAlbums is commutative, associative and idempotent. Memberships are kept after a removal (the tombstone),
// so the bounds count them: MAX_ALBUMS albums and MAX_ALBUM_ITEMS memberships over all of them.
import { PeerTreeError } from '../errors.ts';
import { MAX_ALBUMS, MAX_ALBUM_ITEMS, MAX_LIBRARY_TEXT } from '../limits.ts';
import { CAP_RE } from './capability-text.ts';

export interface AlbumItem {
  readonly cap: string;
  readonly addedAt: number;
  readonly removedAt: number;
}

export interface LibraryAlbum {
  readonly id: string;
  readonly name: string;
  readonly nameAt: number;
  readonly addedAt: number;
  readonly removedAt: number;
  /** Sorted by capability. */
  readonly items: readonly AlbumItem[];
}

const ALBUM_ID_RE = /^[0-9a-f]{32}$/;

function bad(what: string): never {
  throw new PeerTreeError('BAD_INPUT', `library: ${what}`);
}

function time(o: Record<string, unknown>, k: string, what: string): number {
  const v = o[k];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(`${what} ${k}`);
}

/** Reads an untrusted value as the albums field (shape and bounds only); throws BAD_INPUT. */
export function readAlbums(value: unknown): LibraryAlbum[] {
  if (!Array.isArray(value) || value.length > MAX_ALBUMS) bad(`albums (at most ${MAX_ALBUMS})`);
  let count = 0;
  return value.map((a: unknown): LibraryAlbum => {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) bad('album is not an object');
    const o = a as Record<string, unknown>;
    if (typeof o.id !== 'string' || !ALBUM_ID_RE.test(o.id)) bad('album id');
    if (typeof o.name !== 'string' || o.name.length > MAX_LIBRARY_TEXT) bad('album name');
    if (!Array.isArray(o.items)) bad('album items');
    count += o.items.length;
    if (count > MAX_ALBUM_ITEMS) bad(`at most ${MAX_ALBUM_ITEMS} album items`);
    const items = o.items.map((i: unknown): AlbumItem => {
      if (typeof i !== 'object' || i === null || Array.isArray(i)) bad('album item is not an object');
      const it = i as Record<string, unknown>;
      if (typeof it.cap !== 'string' || it.cap.length > 512 || !CAP_RE.test(it.cap)) bad('album item cap');
      return {
        cap: it.cap,
        addedAt: time(it, 'addedAt', 'album item'),
        removedAt: time(it, 'removedAt', 'album item'),
      };
    });
    return normal({
      id: o.id,
      name: o.name,
      nameAt: time(o, 'nameAt', 'album'),
      addedAt: time(o, 'addedAt', 'album'),
      removedAt: time(o, 'removedAt', 'album'),
      items,
    });
  });
}

/** Fixed field order, items merged by capability and sorted (what is written, and what is compared). */
function normal(a: LibraryAlbum): LibraryAlbum {
  const byCap = new Map<string, AlbumItem>();
  for (const i of a.items) {
    const seen = byCap.get(i.cap);
    byCap.set(
      i.cap,
      seen
        ? { cap: i.cap, addedAt: Math.max(seen.addedAt, i.addedAt), removedAt: Math.max(seen.removedAt, i.removedAt) }
        : { cap: i.cap, addedAt: i.addedAt, removedAt: i.removedAt },
    );
  }
  return {
    id: a.id,
    name: a.name,
    nameAt: a.nameAt,
    addedAt: a.addedAt,
    removedAt: a.removedAt,
    items: [...byCap.values()].sort((x, y) => (x.cap < y.cap ? -1 : x.cap > y.cap ? 1 : 0)),
  };
}

/** Merges two versions of one album (same id). */
function mergeAlbum(a: LibraryAlbum, b: LibraryAlbum): LibraryAlbum {
  if (a.id !== b.id) throw new Error('mergeAlbum: different albums');
  const name = a.nameAt !== b.nameAt ? (a.nameAt > b.nameAt ? a : b) : a.name >= b.name ? a : b;
  return normal({
    id: a.id,
    name: name.name,
    nameAt: name.nameAt,
    addedAt: Math.max(a.addedAt, b.addedAt),
    removedAt: Math.max(a.removedAt, b.removedAt),
    items: [...a.items, ...b.items],
  });
}

/** Merges two lists of albums: every album of either, each merged; sorted by id. */
export function mergeAlbums(a: readonly LibraryAlbum[], b: readonly LibraryAlbum[]): LibraryAlbum[] {
  const out = new Map<string, LibraryAlbum>();
  for (const album of [...a, ...b]) {
    const seen = out.get(album.id);
    out.set(album.id, seen ? mergeAlbum(seen, album) : normal(album));
  }
  return [...out.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

/** True when both lists say the same (after merging each on its own). */
export function sameAlbums(a: readonly LibraryAlbum[], b: readonly LibraryAlbum[]): boolean {
  return JSON.stringify(mergeAlbums(a, [])) === JSON.stringify(mergeAlbums(b, []));
}

export function albumShown(a: LibraryAlbum): boolean {
  return a.addedAt >= a.removedAt;
}

/** The capabilities in the album now. */
export function albumMembers(a: LibraryAlbum): string[] {
  return a.items.filter((i) => i.addedAt >= i.removedAt).map((i) => i.cap);
}

/** A new album named `name` holding `caps`, made now (`id`: 16 random bytes as hex, see newAlbumId). */
export function newAlbum(id: string, name: string, caps: readonly string[], now: number): LibraryAlbum {
  if (!ALBUM_ID_RE.test(id)) bad('album id');
  return normal({
    id,
    name,
    nameAt: now,
    addedAt: now,
    removedAt: 0,
    items: caps.map((cap) => ({ cap, addedAt: now, removedAt: 0 })),
  });
}

export function renamedAlbum(a: LibraryAlbum, name: string, now: number): LibraryAlbum {
  return { ...a, name, nameAt: Math.max(now, a.nameAt + 1) };
}

/** The album with `caps` in it (an add after a removal of the same file brings it back). */
export function addedToAlbum(a: LibraryAlbum, caps: readonly string[], now: number): LibraryAlbum {
  const items = new Map(a.items.map((i) => [i.cap, i]));
  for (const cap of caps) {
    const i = items.get(cap);
    items.set(cap, {
      cap,
      addedAt: Math.max(now, i ? i.removedAt : 0, i ? i.addedAt : 0),
      removedAt: i?.removedAt ?? 0,
    });
  }
  return normal({ ...a, items: [...items.values()] });
}

/** The album without `caps` (a tombstone per file that wins over every earlier add). */
export function removedFromAlbum(a: LibraryAlbum, caps: readonly string[], now: number): LibraryAlbum {
  const drop = new Set(caps);
  return normal({
    ...a,
    items: a.items.map((i) => (drop.has(i.cap) ? { ...i, removedAt: Math.max(i.removedAt, now, i.addedAt + 1) } : i)),
  });
}

/** The album deleted now (its memberships stay as they are: restoring it would bring them back). */
export function removedAlbum(a: LibraryAlbum, now: number): LibraryAlbum {
  return { ...a, removedAt: Math.max(a.removedAt, now, a.addedAt + 1) };
}
