// New file records and the patches of a rename or note: pure builders the library (library.ts) writes.
import { MAX_LIBRARY_TEXT } from '../../../core/limits.ts';
import type { Manifest } from '../../../core/storage/manifest.ts';
import type { FileRecord, SearchableText } from './db.ts';

/** A file of the person's library as the library record lists it (see library-sync.ts). */
export interface LibraryFile {
  readonly cap: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly date: number;
  readonly thumbs?: { grid: string; screen: string };
  readonly taken?: number;
  readonly nameAt?: number;
  readonly note?: string;
  readonly noteAt?: number;
}

/** A rename or note change: only the fields that change, with their times. */
export type EditPatch = { name?: string; nameAt?: number; note?: string; noteAt?: number };

/** The memory text of a searchable file: its name, then the description (within the memory's 4096 chars). */
export function searchableText(name: string, description: string, tags: readonly string[]): SearchableText {
  const d = description.trim();
  const text = (d === '' ? name : `${name}\n${d}`).slice(0, 4096);
  return { text, tags: [...tags] };
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_OR_SEPARATOR = /[\u0000-\u001f\u007f/\\]/g;

/** A name as a person typed it: no control characters, no path separators, trimmed. */
export function cleanText(text: string): string {
  return text.replace(CONTROL_OR_SEPARATOR, ' ').replace(/\s+/g, ' ').trim();
}

export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A file the person just added here, before it is sealed. */
export function addedRecord(
  file: File,
  searchable: { description: string; tags: readonly string[] } | null,
  now: number,
): FileRecord {
  const name = file.name || 'untitled';
  return {
    id: newId(),
    origin: 'added',
    name,
    size: file.size,
    type: file.type,
    addedAt: now,
    status: 'local',
    capability: null,
    fileHash: null,
    shards: [],
    replicas: null,
    error: null,
    public: false,
    searchable: searchable ? searchableText(name, searchable.description, searchable.tags) : null,
    memoryId: null,
  };
}

/** A file opened from a link and kept here (its shards are cached by the open pipeline). */
export function openedRecord(
  capability: string,
  manifestHash: string,
  manifest: Manifest,
  addedAt: number,
): FileRecord {
  return {
    id: `opened-${manifestHash}`,
    origin: 'opened',
    name: manifest.name,
    size: manifest.size,
    type: manifest.type,
    addedAt,
    status: 'stored',
    capability,
    fileHash: manifest.hash,
    shards: [...manifest.shards, manifestHash],
    replicas: null,
    error: null,
    public: manifest.enc === null,
  };
}

/** A file of this person's library that another device stored: on relays, nothing cached here yet. */
export function libraryRecord(f: LibraryFile): FileRecord {
  const thumbManifests = f.thumbs ? [f.thumbs.grid, f.thumbs.screen].map((c) => c.split('.')[1] ?? '') : [];
  const manifestHash = f.cap.split('.')[1] ?? '';
  const id = `lib-${manifestHash}`;
  return {
    id,
    origin: 'added',
    name: f.name,
    size: f.size,
    type: f.type,
    addedAt: f.date,
    status: 'stored',
    capability: f.cap,
    fileHash: null,
    // Only the manifests are known here: a delete everywhere releases them (the data shards stay pinned).
    shards: [...thumbManifests, manifestHash],
    replicas: null,
    error: null,
    public: f.cap.split('.').length === 2,
    thumbs: f.thumbs ?? null,
    taken: f.taken ?? null,
    ...(f.nameAt !== undefined ? { nameAt: f.nameAt } : {}),
    ...(f.note ? { note: f.note, noteAt: f.noteAt ?? 0 } : {}),
  };
}

/** The person's rename or note here: later than what the record holds, so that it wins the library's merge. */
export function editPatch(r: FileRecord, change: { name?: string; note?: string }, now: number): EditPatch {
  const patch: EditPatch = {};
  if (change.name !== undefined) {
    const name = cleanText(change.name).slice(0, MAX_LIBRARY_TEXT);
    if (name !== '' && name !== r.name) Object.assign(patch, { name, nameAt: Math.max(now, (r.nameAt ?? 0) + 1) });
  }
  if (change.note !== undefined) {
    const note = change.note.trim().slice(0, MAX_LIBRARY_TEXT);
    if (note !== (r.note ?? '')) Object.assign(patch, { note, noteAt: Math.max(now, (r.noteAt ?? 0) + 1) });
  }
  return patch;
}

/** Another device's rename or note, applied only when not older than this record's. */
export function remoteEditPatch(
  r: FileRecord,
  e: { name: string; nameAt: number; note: string; noteAt: number },
): EditPatch {
  const patch: EditPatch = {};
  if (e.name !== '' && e.name !== r.name && e.nameAt >= (r.nameAt ?? 0))
    Object.assign(patch, { name: e.name, nameAt: e.nameAt });
  if (e.note !== (r.note ?? '') && e.noteAt >= (r.noteAt ?? 0) && e.noteAt > 0)
    Object.assign(patch, { note: e.note, noteAt: e.noteAt });
  return patch;
}
