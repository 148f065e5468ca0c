// The outbox's writes that start a send: an upload with its memory, a note, a delete with its releases. Only the
// sync runner (outbox-sync.ts) imports this: it is the one writer of outbox items (others ask it).
import type { FileRecord, OutboxItem, PeerTreeDatabase } from '../data/db.ts';

/** The outbox id of the memory that makes file `fileId` findable. */
export function memoryItemId(fileId: string): string {
  return `memory-${fileId}`;
}

function memoryItem(
  id: string,
  name: string,
  createdAt: number,
  memory: NonNullable<OutboxItem['memory']>,
  fileId: string | null,
): OutboxItem {
  return {
    id,
    kind: 'memory',
    name,
    createdAt,
    shards: [],
    acked: {},
    replicas: null,
    attempts: 0,
    lastError: null,
    stopped: false,
    memory,
    fileId,
  };
}

/**
 * Marks a sealed file queued and puts its upload in the outbox, atomically. A file the user made searchable
 * also gets a memory item, which waits until the upload is done (its `ref` is the file's capability).
 */
export async function writeUpload(db: PeerTreeDatabase, file: FileRecord, createdAt: number): Promise<void> {
  const tx = db.transaction(['files', 'outbox'], 'readwrite');
  const item: OutboxItem = {
    id: file.id,
    kind: 'store',
    name: file.name,
    createdAt,
    shards: file.shards,
    acked: {},
    replicas: null,
    attempts: 0,
    lastError: null,
    stopped: false,
  };
  const writes = [tx.objectStore('files').put(file), tx.objectStore('outbox').put(item)];
  if (file.searchable && file.capability) {
    const memory = { text: file.searchable.text, tags: [...file.searchable.tags], ref: file.capability };
    writes.push(
      tx.objectStore('outbox').put(memoryItem(memoryItemId(file.id), file.name, createdAt + 1, memory, file.id)),
    );
  }
  await Promise.all(writes);
  await tx.done;
}

/** Queues a plain memory (a note, or a description of a capability the user pasted); returns its outbox id. */
export async function writeMemory(
  db: PeerTreeDatabase,
  memory: NonNullable<OutboxItem['memory']>,
  createdAt: number,
): Promise<string> {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
  const id = `memory-note-${random}`;
  await db.put(
    'outbox',
    memoryItem(
      id,
      memory.text.slice(0, 80),
      createdAt,
      { text: memory.text, tags: [...memory.tags], ref: memory.ref },
      null,
    ),
  );
  return id;
}

/**
 * Removes a file from this device: its record, its upload, and its cached shards unless another file record
 * uses them (public files de-duplicate). With `release`, queues signed releases of this device's pins on the
 * shards relays acknowledged, in the same transaction, so the delete reaches relays even if sent days later.
 */
export async function writeRemoval(
  db: PeerTreeDatabase,
  id: string,
  release: boolean,
  deleteShard: (hash: string) => Promise<unknown>,
  now: number,
): Promise<{ deleted: boolean; releasing: number }> {
  const tx = db.transaction(['files', 'outbox'], 'readwrite');
  const record = await tx.objectStore('files').get(id);
  const upload = await tx.objectStore('outbox').get(id);
  // A memory not sent yet is dropped with its file: it would point at a file that is gone.
  await Promise.all([
    tx.objectStore('files').delete(id),
    tx.objectStore('outbox').delete(id),
    tx.objectStore('outbox').delete(memoryItemId(id)),
  ]);
  // What relays may hold: everything once stored, or while an upload runs (a shard in flight may be pinned after
  // this; releasing a shard never pinned is harmless); otherwise only what was acknowledged before the delete.
  const held =
    !record || record.origin !== 'added'
      ? []
      : record.status === 'stored' || record.status === 'uploading'
        ? record.shards
        : Object.keys(upload?.acked ?? {});
  if (release && held.length > 0) {
    const item: OutboxItem = {
      id: `release-${id}`,
      kind: 'release',
      name: record!.name,
      createdAt: now,
      shards: [...held],
      acked: {},
      replicas: null,
      attempts: 0,
      lastError: null,
      stopped: false,
    };
    await tx.objectStore('outbox').put(item);
  }
  await tx.done;
  if (!record) return { deleted: false, releasing: 0 };
  const others = await db.getAll('files');
  const inUse = new Set(others.flatMap((f) => f.shards));
  for (const hash of record.shards) if (!inUse.has(hash)) await deleteShard(hash);
  return { deleted: true, releasing: release ? held.length : 0 };
}

/** Records acknowledgements, unless the item was deleted meanwhile (the user removed the file). */
export async function saveAcks(db: PeerTreeDatabase, id: string, acked: Record<string, number>): Promise<void> {
  const tx = db.transaction('outbox', 'readwrite');
  const current = await tx.store.get(id);
  if (current) await tx.store.put({ ...current, acked: { ...current.acked, ...acked } });
  await tx.done;
}
