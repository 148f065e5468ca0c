// The one store of files' view state: follows the library (records, live progress) and the outbox items,
// derives each file's state (derive-file-state.ts) and tells subscribed views which file changed.
import type { FileRecord, OutboxItem } from '../data/db.ts';
import { deriveFileState, type FileState, type Progress } from './derive-file-state.ts';

export type { FileState } from './derive-file-state.ts';

/** What the store reads the files from: the library's records with their live progress, and its change events. */
export interface FileSource extends EventTarget {
  list(): readonly (FileRecord & { readonly progress: Progress | null })[];
  get(id: string): (FileRecord & { readonly progress: Progress | null }) | undefined;
  canReseal(id: string): boolean;
}

/** Reads outbox items (the store never writes them: the sync runner does). */
export interface OutboxReader {
  get(id: string): Promise<OutboxItem | undefined>;
  all(): Promise<readonly OutboxItem[]>;
}

/** Called with the id of the file whose state changed (gone from the list when `store.get(id)` is undefined). */
export type FileListener = (id: string) => void;

export class FileStore {
  private readonly states = new Map<string, FileState>();
  private readonly items = new Map<string, OutboxItem>();
  private readonly listeners = new Set<FileListener>();
  /** Outbox reads in flight per file, and whether another is needed once it ends (the item may have changed again). */
  private readonly reading = new Map<string, boolean>();

  private constructor(
    private readonly source: FileSource,
    private readonly outbox: OutboxReader,
    private readonly now: () => number,
  ) {}

  /** Reads the outbox once, derives every file, then follows the library's changes. */
  static async open(source: FileSource, outbox: OutboxReader, now: () => number = Date.now): Promise<FileStore> {
    const store = new FileStore(source, outbox, now);
    for (const item of await outbox.all()) if (item.kind === 'store') store.items.set(item.id, item);
    for (const f of source.list()) store.derive(f.id);
    source.addEventListener('change', (e) => store.changed((e as CustomEvent<string>).detail));
    return store;
  }

  /** Every file, in the library's order. */
  list(): FileState[] {
    return this.source
      .list()
      .map((f) => this.states.get(f.id))
      .filter((s): s is FileState => s !== undefined);
  }

  get(id: string): FileState | undefined {
    return this.states.get(id);
  }

  /** `listener` hears every file change until the returned function is called. */
  subscribe(listener: FileListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A file's record or progress changed: derive now with the outbox item known, then read the item again. */
  private changed(id: string): void {
    this.derive(id);
    this.emit(id);
    this.readItem(id);
  }

  private derive(id: string): void {
    const f = this.source.get(id);
    if (!f) {
      this.states.delete(id);
      this.items.delete(id);
      return;
    }
    const { progress, ...record } = f;
    this.states.set(
      id,
      deriveFileState(record, this.items.get(id), progress, this.now(), { resealable: this.source.canReseal(id) }),
    );
  }

  private emit(id: string): void {
    for (const l of this.listeners) l(id);
  }

  private readItem(id: string): void {
    if (this.reading.has(id)) {
      this.reading.set(id, true);
      return;
    }
    this.reading.set(id, false);
    void this.outbox
      .get(id)
      .catch(() => undefined)
      .then((item) => {
        const again = this.reading.get(id) === true;
        this.reading.delete(id);
        const before = this.items.get(id);
        if (item?.kind === 'store') this.items.set(id, item);
        else this.items.delete(id);
        const after = this.items.get(id);
        if (itemKey(before) !== itemKey(after) && this.source.get(id)) {
          this.derive(id);
          this.emit(id);
        }
        if (again) this.readItem(id);
      });
  }
}

/** What of an outbox item the derived state uses: a new read that changes none of it redraws nothing. */
function itemKey(item: OutboxItem | undefined): string {
  return item
    ? `${Object.keys(item.acked).length}/${item.shards.length}|${item.attempts}|${item.nextAttemptAt ?? ''}|${item.stopped}`
    : '';
}
