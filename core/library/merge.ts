// The library's merge rule: a state-based, add-wins set of files keyed by capability, with per-field
// timestamps and tombstones. merge is commutative, associative and idempotent, so two devices that edited
// the same library while apart converge on the same list whatever order they exchange versions in.
//
// Per entry (one capability):
//   name, nameAt   last-writer-wins register: the higher nameAt wins; a tie goes to the greater name (by code
//                  units), so every device picks the same one
//   note, noteAt   the same, for the person's note on the file ("" = none)
//   addedAt        the latest time the file was added (or restored) on any device: max of both
//   removedAt      the latest time it was removed on any device (0 = never): max of both (the tombstone)
//   present        addedAt >= removedAt: an add and a remove at the same millisecond keep the file (add wins)
//   type, size     fixed by the capability (the same manifest): taken from the entry with the earlier date
//   date           when the file was first added: min of both
//   thumbs         optional (entries written before thumbnails have none): capabilities of small encrypted
//                  picture files made from the file on the device that added it. An entry with thumbnails wins
//                  over one without; of two pairs (two devices made their own: other keys, other capabilities)
//                  the pair whose grid capability sorts first wins, so every device keeps the same pair
//   taken          optional: when the photo was taken (EXIF, ms), fixed by the file's bytes: min of those present
// Timestamps are the devices' clocks (ms); a device whose clock runs ahead wins ties it should not, but
// nothing is lost: a later edit on any device still moves the field again.

export interface LibraryEntry {
  /** The file's capability (pt1.<manifest hash>[.<key>]): the key of the set. */
  readonly cap: string;
  readonly name: string;
  readonly nameAt: number;
  readonly type: string;
  readonly size: number;
  /** When the file was first added (ms). */
  readonly date: number;
  readonly note: string;
  readonly noteAt: number;
  /** Latest add (ms). */
  readonly addedAt: number;
  /** Latest removal (ms); 0 when never removed. */
  readonly removedAt: number;
  /** Thumbnails as their own encrypted files (absent for entries from before thumbnails, or for no picture). */
  readonly thumbs?: LibraryThumbs;
  /** When the photo was taken (EXIF date, ms); absent when the file says nothing. */
  readonly taken?: number;
}

/** Capabilities of a file's thumbnails: `grid` (about 256 px) and `screen` (about 1280 px on the long side). */
export interface LibraryThumbs {
  readonly grid: string;
  readonly screen: string;
}

function pickThumbs(a: LibraryThumbs | undefined, b: LibraryThumbs | undefined): LibraryThumbs | undefined {
  if (!a || !b) return a ?? b;
  if (a.grid !== b.grid) return a.grid < b.grid ? a : b;
  return a.screen <= b.screen ? a : b;
}

function pickTaken(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return Math.min(a, b);
}

export function isPresent(e: LibraryEntry): boolean {
  return e.addedAt >= e.removedAt;
}

function lww(a: { v: string; at: number }, b: { v: string; at: number }): { v: string; at: number } {
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.v >= b.v ? a : b;
}

/** Merges two versions of one capability's entry (same `cap`). */
export function mergeEntry(a: LibraryEntry, b: LibraryEntry): LibraryEntry {
  if (a.cap !== b.cap) throw new Error('mergeEntry: different capabilities');
  const name = lww({ v: a.name, at: a.nameAt }, { v: b.name, at: b.nameAt });
  const note = lww({ v: a.note, at: a.noteAt }, { v: b.note, at: b.noteAt });
  const first =
    a.date < b.date || (a.date === b.date && (a.type < b.type || (a.type === b.type && a.size <= b.size))) ? a : b;
  return {
    cap: a.cap,
    name: name.v,
    nameAt: name.at,
    type: first.type,
    size: first.size,
    date: Math.min(a.date, b.date),
    note: note.v,
    noteAt: note.at,
    addedAt: Math.max(a.addedAt, b.addedAt),
    removedAt: Math.max(a.removedAt, b.removedAt),
    ...withMedia(pickThumbs(a.thumbs, b.thumbs), pickTaken(a.taken, b.taken)),
  };
}

/** The optional fields, present only when set (so entries without them serialise as before). */
export function withMedia(
  thumbs: LibraryThumbs | undefined,
  taken: number | undefined,
): { thumbs?: LibraryThumbs; taken?: number } {
  return {
    ...(thumbs ? { thumbs: { grid: thumbs.grid, screen: thumbs.screen } } : {}),
    ...(taken !== undefined ? { taken } : {}),
  };
}

/** Merges two libraries: every capability of either, each entry merged; sorted by capability. */
export function mergeLibraries(a: readonly LibraryEntry[], b: readonly LibraryEntry[]): LibraryEntry[] {
  const out = new Map<string, LibraryEntry>();
  for (const e of [...a, ...b]) {
    const seen = out.get(e.cap);
    out.set(e.cap, seen ? mergeEntry(seen, e) : e);
  }
  return [...out.values()].sort((x, y) => (x.cap < y.cap ? -1 : x.cap > y.cap ? 1 : 0));
}

/** True when both lists hold the same entries (after sorting by capability). */
export function sameLibrary(a: readonly LibraryEntry[], b: readonly LibraryEntry[]): boolean {
  const x = mergeLibraries(a, []);
  const y = mergeLibraries(b, []);
  return x.length === y.length && x.every((e, i) => JSON.stringify(e) === JSON.stringify(y[i]));
}

/** A new entry for a file added now. */
export function addedEntry(
  f: {
    cap: string;
    name: string;
    type: string;
    size: number;
    date: number;
    thumbs?: LibraryThumbs | null;
    taken?: number | null;
  },
  now: number,
): LibraryEntry {
  return {
    cap: f.cap,
    name: f.name,
    nameAt: now,
    type: f.type,
    size: f.size,
    date: f.date,
    note: '',
    noteAt: 0,
    addedAt: now,
    removedAt: 0,
    ...withMedia(f.thumbs ?? undefined, f.taken ?? undefined),
  };
}

/** The entry after a removal now (a tombstone that wins over every earlier add). */
export function removedEntry(e: LibraryEntry, now: number): LibraryEntry {
  return { ...e, removedAt: Math.max(e.removedAt, now, e.addedAt + 1) };
}

/** The entry after a rename now. */
export function renamedEntry(e: LibraryEntry, name: string, now: number): LibraryEntry {
  return { ...e, name, nameAt: Math.max(now, e.nameAt + 1) };
}
