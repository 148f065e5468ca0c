// The file store: follows a library's records and progress and the outbox, derives each file, tells subscribers.
import { describe, expect, it } from 'vitest';
import type { FileRecord, OutboxItem } from '../../../pwa/src/data/db.ts';
import type { Progress } from '../../../pwa/src/state/derive-file-state.ts';
import { FileStore, type FileSource } from '../../../pwa/src/state/file-store.ts';

/** A library stand-in: records and progress in maps, with the same `change` events Library sends. */
class Source extends EventTarget implements FileSource {
  readonly records = new Map<string, FileRecord>();
  readonly progress = new Map<string, Progress>();
  list() {
    return [...this.records.keys()].map((id) => this.get(id)!);
  }
  get(id: string) {
    const r = this.records.get(id);
    return r ? { ...r, progress: this.progress.get(id) ?? null } : undefined;
  }
  canReseal(): boolean {
    return false;
  }
  set(r: FileRecord): void {
    this.records.set(r.id, r);
    this.dispatchEvent(new CustomEvent('change', { detail: r.id }));
  }
  drop(id: string): void {
    this.records.delete(id);
    this.dispatchEvent(new CustomEvent('change', { detail: id }));
  }
}

const file = (id: string, patch: Partial<FileRecord> = {}): FileRecord => ({
  id,
  origin: 'added',
  name: `${id}.txt`,
  size: 10,
  type: 'text/plain',
  addedAt: 1,
  status: 'queued',
  capability: 'pt1.c',
  fileHash: null,
  shards: ['a', 'm'],
  replicas: null,
  error: null,
  public: false,
  ...patch,
});
const upload = (id: string, acked: Record<string, number>): OutboxItem => ({
  id,
  kind: 'store',
  name: id,
  createdAt: 1,
  shards: ['a', 'm'],
  acked,
  replicas: 2,
  attempts: 1,
  lastError: null,
  stopped: false,
});

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('FileStore', () => {
  it('derives every file at open with its outbox item', async () => {
    const source = new Source();
    source.records.set('f1', file('f1', { status: 'uploading' }));
    const outbox = new Map([['f1', upload('f1', { a: 2 })]]);
    const store = await FileStore.open(
      source,
      { get: async (id) => outbox.get(id), all: async () => [...outbox.values()] },
      () => 0,
    );
    expect(store.list().map((f) => f.id)).toEqual(['f1']);
    expect(store.get('f1')?.upload?.acked).toBe(1);
    expect(store.get('f1')?.statusText).toBe('Uploading 50%');
  });

  it('tells subscribers of changes, reads the outbox item again, and stops after unsubscribe', async () => {
    const source = new Source();
    const outbox = new Map<string, OutboxItem>();
    const store = await FileStore.open(
      source,
      { get: async (id) => outbox.get(id), all: async () => [...outbox.values()] },
      () => 0,
    );
    const heard: string[] = [];
    const off = store.subscribe((id) => heard.push(`${id}:${store.get(id)?.status ?? 'gone'}`));
    source.set(file('f1'));
    expect(heard).toEqual(['f1:queued']);
    expect(store.get('f1')?.upload).toBeNull();
    // The sync runner wrote the item meanwhile: the next change reads it and the state follows.
    outbox.set('f1', upload('f1', {}));
    source.set(file('f1', { status: 'uploading' }));
    await settle();
    expect(store.get('f1')?.upload).toEqual({ acked: 0, total: 2, attempts: 1, nextAttemptAt: null });
    expect(heard).toEqual(['f1:queued', 'f1:uploading', 'f1:uploading']);
    source.drop('f1');
    expect(store.get('f1')).toBeUndefined();
    expect(store.list()).toEqual([]);
    off();
    source.set(file('f2'));
    expect(heard.at(-1)).toBe('f1:gone');
  });

  it('redraws nothing when a new read of the outbox item changes nothing it shows', async () => {
    const source = new Source();
    const outbox = new Map([['f1', upload('f1', {})]]);
    source.records.set('f1', file('f1'));
    const store = await FileStore.open(
      source,
      { get: async (id) => outbox.get(id) && { ...outbox.get(id)! }, all: async () => [...outbox.values()] },
      () => 0,
    );
    let heard = 0;
    store.subscribe(() => heard++);
    source.set(file('f1', { name: 'renamed.txt' }));
    await settle();
    expect(heard).toBe(1);
    expect(store.get('f1')?.name).toBe('renamed.txt');
  });
});
