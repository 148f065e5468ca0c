// The user's files on this device: records in IndexedDB, sealing in the worker, and live progress.
import type { Manifest } from '../../../core/storage/manifest.ts';
import { openPeerTreeDB, type FileRecord, type PeerTreeDatabase } from './db.ts';
import {
  addedRecord,
  editPatch,
  libraryRecord,
  openedRecord,
  remoteEditPatch,
  type LibraryFile,
} from './file-records.ts';
import { announceFileChange, FILES_CHANNEL, patchFile } from './files-repo.ts';
import { dropBlob, keepBlob, keptFile, NO_ROOM_FOR_COPY, withSealLock } from './pending-blobs.ts';
import type { Sealer } from '../worker/sealer.ts';
import type { Thumbnailer } from '../media/thumbnailer.ts';
import { sealThumbs } from '../media/seal-thumbs.ts';
import type { Progress } from '../state/derive-file-state.ts';

export type { FileStatus } from './db.ts';
export type { Progress } from '../state/derive-file-state.ts';
export { cleanText, searchableText } from './file-records.ts';

export interface FileEntry extends FileRecord {
  /** Live progress of sealing (bytes) or uploading (shards acknowledged); null when idle. */
  readonly progress: Progress | null;
}

/** What the library asks of the sync runner (OutboxSync), the only writer of outbox items. */
export interface OutboxRequests {
  /** Queues the sealed file's upload, writing the record (status queued) in the same transaction. */
  enqueueUpload(file: FileRecord): Promise<void>;
  /** Removes the file's record, upload and cached shards; with `release`, queues releases. Returns how many. */
  remove(id: string, release: boolean): Promise<number>;
}

export class Library extends EventTarget {
  private readonly files = new Map<string, FileRecord>();
  private readonly progress = new Map<string, Progress>();
  /** Files added on this page and not sealed yet (kept so that a failed seal can be retried). */
  private readonly blobs = new Map<string, File>();
  private channel: BroadcastChannel | null = null;

  private constructor(
    private readonly db: PeerTreeDatabase,
    private readonly sealer: Sealer,
    private readonly outbox: OutboxRequests,
    private readonly thumbnailer: Thumbnailer | null,
  ) {
    super();
  }

  static async open(sealer: Sealer, outbox: OutboxRequests, thumbnailer: Thumbnailer | null = null): Promise<Library> {
    const db = await openPeerTreeDB();
    const library = new Library(db, sealer, outbox, thumbnailer);
    await library.load();
    return library;
  }

  private async load(): Promise<void> {
    const unsealed: string[] = [];
    for (const record of await this.db.getAllFromIndex('files', 'addedAt')) {
      let r = record;
      // Sealing happens in a page's worker: a record still `local` is sealed again from its kept copy (resume).
      if (r.status === 'local' && r.origin === 'added') unsealed.push(r.id);
      // A seal that failed on a page since closed: its kept copy lets Retry seal it here.
      if (r.status === 'error' && r.origin === 'added' && !r.capability) {
        const file = await keptFile(this.db, r.id, r.name, r.type);
        if (file) this.blobs.set(r.id, file);
      }
      // An upload that was running when the page closed is waiting again.
      if (r.status === 'uploading') r = (await patchFile(this.db, r.id, { status: 'queued' })) ?? r;
      this.files.set(r.id, r);
    }
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(FILES_CHANNEL);
      this.channel.onmessage = (e: MessageEvent<unknown>) => {
        const id = (e.data as { id?: unknown } | null)?.id;
        if (typeof id === 'string') void this.refresh(id, false);
      };
    }
    for (const id of unsealed) void this.resume(id);
  }

  /**
   * Seals again a file whose page was closed before it was sealed, from the copy kept in IndexedDB. A file
   * another open page is sealing (it holds the seal lock) is left to it; one with no kept copy fails.
   */
  private async resume(id: string): Promise<void> {
    await withSealLock(
      id,
      async () => {
        const r = await this.db.get('files', id);
        if (!r || r.status !== 'local') return;
        const file = await keptFile(this.db, id, r.name, r.type);
        if (file) {
          this.blobs.set(id, file);
          await this.sealNow(id);
          return;
        }
        const failed = await patchFile(this.db, id, {
          status: 'error',
          error: 'the page was closed before this file was encrypted; add the file again',
        });
        if (failed) this.files.set(id, failed);
        this.changed(id);
      },
      false,
    );
  }

  list(): FileEntry[] {
    return [...this.files.keys()].map((id) => this.get(id)!);
  }

  get(id: string): FileEntry | undefined {
    const r = this.files.get(id);
    return r ? { ...r, progress: this.progress.get(id) ?? null } : undefined;
  }

  /**
   * Adds files (picker or drop): records them, then seals them one by one in the worker. With `searchable`
   * (the user's explicit choice), each file's name and the description become a memory pointing at it.
   */
  add(files: Iterable<File>, searchable: { description: string; tags: readonly string[] } | null = null): string[] {
    const ids: string[] = [];
    for (const file of files) {
      const record = addedRecord(file, searchable, Date.now());
      const id = record.id;
      this.files.set(id, record);
      this.blobs.set(id, file);
      ids.push(id);
      this.changed(id);
      void this.db.put('files', record).then(() => this.keep(id, file));
    }
    return ids;
  }

  /** Keeps a copy of the bytes (saying so in the row when there is no room), then seals the file. */
  private async keep(id: string, file: File): Promise<void> {
    // The lock is taken before the copy exists, so that another page starting now never seals it too.
    await withSealLock(
      id,
      async () => {
        if (!(await keepBlob(this.db, id, file))) {
          const r = await patchFile(this.db, id, { waiting: NO_ROOM_FOR_COPY });
          if (r && this.files.has(id)) this.files.set(id, r);
        }
        await this.sealNow(id);
      },
      true,
    );
  }

  private async seal(id: string): Promise<void> {
    await withSealLock(id, () => this.sealNow(id), true);
  }

  private async sealNow(id: string): Promise<void> {
    const file = this.blobs.get(id);
    const record = this.files.get(id);
    if (!file || !record) return;
    const startedAt = Date.now();
    this.progress.set(id, { phase: 'sealing', done: 0, total: file.size, startedAt, startDone: 0 });
    this.changed(id);
    try {
      const media = await sealThumbs(this.thumbnailer, this.sealer, file, record);
      if (!this.files.has(id)) return; // removed (cancelled) meanwhile
      const result = await this.sealer.seal(file, {
        name: record.name,
        mime: record.type,
        public: record.public,
        onProgress: (done) => {
          this.progress.set(id, { phase: 'sealing', done, total: file.size, startedAt, startDone: 0 });
          this.changed(id);
        },
      });
      this.progress.delete(id);
      const current = this.files.get(id);
      if (!current) return; // removed while sealing
      // The thumbnails' shards go first: they are small, and another device can show them as soon as the file is listed.
      const sealed: FileRecord = {
        ...current,
        status: 'queued',
        capability: result.capability,
        fileHash: result.fileHash,
        shards: [...media.shards, ...result.shards],
        error: null,
        waiting: null,
        thumbs: media.thumbs,
        taken: media.taken,
      };
      await this.outbox.enqueueUpload(sealed);
      // Sealed and queued: the shards in IndexedDB carry the file from here (the outbox resumes from them).
      await dropBlob(this.db, id);
      this.blobs.delete(id);
      this.files.set(id, sealed);
      this.changed(id);
    } catch (err) {
      this.progress.delete(id);
      // The person reads what to do; the technical reason goes to the console for whoever debugs it.
      console.warn('sealing failed', id, err);
      const failed = await patchFile(this.db, id, {
        status: 'error',
        error:
          'this file could not be encrypted on this device; press Retry, and if it fails again, add the file again',
      });
      if (failed) this.files.set(id, failed);
      this.changed(id);
    }
  }

  /** Whether a failed file can be sealed again on this page (its bytes are still in memory). */
  canReseal(id: string): boolean {
    return this.blobs.has(id) && this.files.get(id)?.status === 'error';
  }

  async reseal(id: string): Promise<void> {
    if (!this.canReseal(id)) return;
    const r = await patchFile(this.db, id, { status: 'local', error: null });
    if (r) this.files.set(id, r);
    this.changed(id);
    await this.seal(id);
  }

  /**
   * Removes a file from this device (record, upload, cached shards). With `release`, also queues signed
   * releases of this device's pins on the relays; relays drop a shard once no pin on it is left.
   */
  async remove(id: string, release: boolean): Promise<number> {
    this.blobs.delete(id);
    this.progress.delete(id);
    this.files.delete(id);
    this.changed(id);
    await dropBlob(this.db, id);
    const releasing = await this.outbox.remove(id, release);
    announceFileChange(id);
    return releasing;
  }

  /** Keeps a file opened from a link: its shards are already cached by the open pipeline. */
  async rememberOpened(capability: string, manifestHash: string, manifest: Manifest): Promise<void> {
    // One of the user's own files (or one opened before) is already on the list.
    if ([...this.files.values()].some((f) => f.capability === capability && f.origin === 'added')) return;
    const id = `opened-${manifestHash}`;
    const record = openedRecord(capability, manifestHash, manifest, this.files.get(id)?.addedAt ?? Date.now());
    await this.db.put('files', record);
    this.files.set(id, record);
    this.changed(id);
  }

  /**
   * Adds a file of this person's library that another device added (or that a restored backup brings back):
   * stored on relays, nothing cached here yet; opening it fetches it like any capability.
   */
  async adoptFromLibrary(f: LibraryFile): Promise<void> {
    if ([...this.files.values()].some((r) => r.capability === f.cap && r.origin === 'added')) return;
    const record = libraryRecord(f);
    const manifestHash = record.shards.at(-1) ?? '';
    const id = record.id;
    // A file opened from a link that turns out to be one's own becomes an added one.
    const opened = `opened-${manifestHash}`;
    if (this.files.has(opened)) {
      await this.db.delete('files', opened);
      this.files.delete(opened);
      this.changed(opened);
    }
    await this.db.put('files', record);
    this.files.set(id, record);
    this.changed(id);
    announceFileChange(id);
  }

  /** Applies thumbnails another device made (this device listed the file before they were known). */
  async setThumbs(id: string, thumbs: { grid: string; screen: string }, taken: number | null): Promise<void> {
    const r = await patchFile(this.db, id, { thumbs, taken });
    if (r) this.files.set(id, r);
    this.changed(id);
  }

  /**
   * The person renames a file or changes its note here. The new text and its time go into the record; the
   * library sync (library-sync.ts) reads them from there into the library entry, so the change reaches the
   * person's other devices even if a sync was running meanwhile. Returns false for nothing to change.
   */
  async edit(id: string, change: { name?: string; note?: string }, now = Date.now()): Promise<boolean> {
    const r = this.files.get(id);
    if (!r) return false;
    const patch = editPatch(r, change, now);
    if (Object.keys(patch).length === 0) return false;
    const updated = await patchFile(this.db, id, patch);
    if (updated) this.files.set(id, updated);
    this.changed(id);
    announceFileChange(id);
    return true;
  }

  /** Applies another device's rename or note (with the library entry's times, so a later edit here still wins). */
  async applyEdit(id: string, e: { name: string; nameAt: number; note: string; noteAt: number }): Promise<void> {
    const r = this.files.get(id);
    if (!r) return;
    const patch = remoteEditPatch(r, e);
    if (Object.keys(patch).length === 0) return;
    const updated = await patchFile(this.db, id, patch);
    if (updated) this.files.set(id, updated);
    this.changed(id);
    announceFileChange(id);
  }

  /** Sets how many relays hold every piece of a stored file (after a top-up asked for the missing copies). */
  async setReplicas(id: string, replicas: number): Promise<void> {
    const r = this.files.get(id);
    if (!r || r.status !== 'stored' || r.replicas === replicas) return;
    const updated = await patchFile(this.db, id, { replicas });
    if (updated) this.files.set(id, updated);
    this.changed(id);
    announceFileChange(id);
  }

  setUploadProgress(id: string, acked: number, total: number): void {
    if (!this.files.has(id)) return;
    const before = this.progress.get(id);
    const start =
      before?.phase === 'uploading' && before.total === total ? before : { startedAt: Date.now(), startDone: acked };
    this.progress.set(id, {
      phase: 'uploading',
      done: acked,
      total,
      startedAt: start.startedAt,
      startDone: start.startDone,
    });
    this.changed(id);
  }

  /** Reloads a record another part of the app (or another context) changed in IndexedDB. */
  async refresh(id: string, announce = true): Promise<void> {
    const r = await this.db.get('files', id);
    if (r) this.files.set(id, r);
    else this.files.delete(id);
    if (!r || r.status !== 'uploading') this.progress.delete(id);
    this.changed(id);
    if (announce) announceFileChange(id);
  }

  async outboxLength(): Promise<number> {
    return this.db.count('outbox');
  }

  private changed(id: string): void {
    this.dispatchEvent(new CustomEvent<string>('change', { detail: id }));
  }
}
