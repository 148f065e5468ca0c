// Reads and writes of file records and reads of outbox items, shared by the page and the service worker, plus
// a BroadcastChannel so that every open page redraws a file another context changed. Outbox items are written
// only by the sync runner (sync/outbox-sync.ts, through sync/outbox-store.ts).
import type { FileRecord, OutboxItem, PeerTreeDatabase } from './db.ts';

export const FILES_CHANNEL = 'peertree-files';

/** Tells other pages (and the service worker) that file `id` changed in IndexedDB. */
export function announceFileChange(id: string): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(FILES_CHANNEL);
  channel.postMessage({ id });
  channel.close();
}

/** Applies `patch` to file `id` in one transaction; returns the new record, or undefined when it is gone. */
export async function patchFile(
  db: PeerTreeDatabase,
  id: string,
  patch: Partial<Omit<FileRecord, 'id'>>,
): Promise<FileRecord | undefined> {
  const tx = db.transaction('files', 'readwrite');
  const current = await tx.store.get(id);
  if (!current) {
    await tx.done;
    return undefined;
  }
  const next: FileRecord = { ...current, ...patch, id };
  await tx.store.put(next);
  await tx.done;
  return next;
}

/** Outbox items in the order they were queued. */
export async function outboxItems(db: PeerTreeDatabase): Promise<OutboxItem[]> {
  return db.getAllFromIndex('outbox', 'createdAt');
}
