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
  const first = a.date < b.date || (a.date === b.date && (a.type < b.type || (a.type === b.type && a.size <= b.size))) ? a : b;
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
export function addedEntry(f: { cap: string; name: string; type: string; size: number; date: number }, now: number): LibraryEntry {
  return { cap: f.cap, name: f.name, nameAt: now, type: f.type, size: f.size, date: f.date, note: '', noteAt: 0, addedAt: now, removedAt: 0 };
}

/** The entry after a removal now (a tombstone that wins over every earlier add). */
export function removedEntry(e: LibraryEntry, now: number): LibraryEntry {
  return { ...e, removedAt: Math.max(e.removedAt, now, e.addedAt + 1) };
}

/** The entry after a rename now. */
export function renamedEntry(e: LibraryEntry, name: string, now: number): LibraryEntry {
  return { ...e, name, nameAt: Math.max(now, e.nameAt + 1) };
}
