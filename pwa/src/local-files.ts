// The files added on this page and their state. Only `local` (hashed here, not sent anywhere) and `error`
// exist so far; `queued`, `uploading` and `stored` arrive with uploading, and are never faked before that.
import type { FileHasher } from './file-hasher.ts';

/** The statuses DESIGN.md defines for `[data-testid=file-row]`; this shell produces `local` and `error`. */
export type FileStatus = 'local' | 'queued' | 'uploading' | 'stored' | 'error';

export interface LocalFile {
  /** Page-local id (a file's content hash is not unique enough: the same bytes may be added twice). */
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly lastModified: number;
  readonly addedAt: number;
  readonly status: FileStatus;
  /** Bytes hashed so far; equals `size` once `sha256` is known. */
  readonly bytesHashed: number;
  readonly sha256: string | null;
  readonly sliceHashes: readonly string[] | null;
  readonly error: string | null;
  /** Known once the file is stored on the tree (not yet: uploading is a later step). */
  readonly capability: string | null;
}

export class LocalFiles extends EventTarget {
  private readonly files = new Map<string, LocalFile>();
  private counter = 0;

  constructor(private readonly hasher: FileHasher) {
    super();
  }

  list(): LocalFile[] {
    return [...this.files.values()];
  }

  get(key: string): LocalFile | undefined {
    return this.files.get(key);
  }

  /** Adds files (picker or drop) and starts hashing them; returns their keys in order. */
  add(files: Iterable<File>): string[] {
    const keys: string[] = [];
    for (const file of files) {
      const key = `f${++this.counter}-${Date.now().toString(36)}`;
      const entry: LocalFile = {
        key,
        name: file.name || 'untitled',
        size: file.size,
        type: file.type,
        lastModified: file.lastModified,
        addedAt: Date.now(),
        status: 'local',
        bytesHashed: 0,
        sha256: null,
        sliceHashes: null,
        error: null,
        capability: null,
      };
      this.files.set(key, entry);
      keys.push(key);
      this.changed(key);
      void this.hash(key, file);
    }
    return keys;
  }

  remove(key: string): void {
    if (this.files.delete(key)) this.changed(key);
  }

  private async hash(key: string, file: File): Promise<void> {
    try {
      const result = await this.hasher.hash(file, (bytesHashed) => this.update(key, { bytesHashed }));
      this.update(key, { bytesHashed: file.size, sha256: result.sha256, sliceHashes: result.sliceHashes });
    } catch (err) {
      this.update(key, { status: 'error', error: `could not read the file: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private update(key: string, patch: Partial<LocalFile>): void {
    const current = this.files.get(key);
    if (!current) return;
    this.files.set(key, { ...current, ...patch });
    this.changed(key);
  }

  private changed(key: string): void {
    this.dispatchEvent(new CustomEvent<string>('change', { detail: key }));
  }
}
