// Between the merged library and this device's file list: what the list adds to the merge, and the merge shown in it.
import { addedEntry, isPresent, mergeLibraries, withMedia, type LibraryEntry } from '../../../core/library/merge.ts';
import type { Library } from '../data/library.ts';
import type { LibraryState } from './library-state.ts';

/** What this device's file list says: every file it added that relays hold. */
export function localEntries(library: Library, state: LibraryState): LibraryEntry[] {
  const known = new Map(state.entries.map((e) => [e.cap, e]));
  const out: LibraryEntry[] = [];
  for (const f of library.list()) {
    if (f.origin !== 'added' || f.status !== 'stored' || !f.capability) continue;
    const entry = known.get(f.capability);
    if (!entry) {
      const added = addedEntry(
        {
          cap: f.capability,
          name: f.name,
          type: f.type,
          size: f.size,
          date: f.addedAt,
          thumbs: f.thumbs ?? null,
          taken: f.taken ?? null,
        },
        Math.max(f.addedAt, 1),
      );
      out.push({
        ...added,
        nameAt: Math.max(added.nameAt, f.nameAt ?? 0),
        ...(f.note ? { note: f.note, noteAt: f.noteAt ?? 1 } : {}),
      });
      continue;
    }
    // Edits made here (the record keeps their times): newer than the entry, they go into it; the merge keeps
    // every other field. An edit that loses to a newer one elsewhere is overwritten by applyEntries().
    let e = entry;
    if (f.thumbs && !entry.thumbs) e = { ...e, ...withMedia(f.thumbs, f.taken ?? undefined) };
    if (f.nameAt !== undefined && f.nameAt > e.nameAt && f.name !== e.name)
      e = { ...e, name: f.name, nameAt: f.nameAt };
    if (f.noteAt !== undefined && f.noteAt > e.noteAt && (f.note ?? '') !== e.note)
      e = { ...e, note: f.note ?? '', noteAt: f.noteAt };
    if (e !== entry) out.push(e);
  }
  return mergeLibraries(mergeLibraries(state.entries, state.pending), out);
}

/** Shows the merged library on this device: adds files from other devices, removes what was removed. */
export async function applyEntries(library: Library, entries: readonly LibraryEntry[]): Promise<void> {
  const byCap = new Map(
    library
      .list()
      .filter((f) => f.origin === 'added' && f.capability)
      .map((f) => [f.capability!, f]),
  );
  for (const e of entries) {
    const local = byCap.get(e.cap);
    if (isPresent(e)) {
      if (!local) await library.adoptFromLibrary(e);
      else if (local.status === 'stored') await library.applyEdit(local.id, e);
      if (local && e.thumbs && (local.thumbs?.grid !== e.thumbs.grid || local.thumbs.screen !== e.thumbs.screen))
        await library.setThumbs(local.id, e.thumbs, e.taken ?? null);
    } else if (local && local.status === 'stored') {
      await library.remove(local.id, false);
    }
  }
}
