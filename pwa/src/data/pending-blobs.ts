// Keeps an added file's bytes in IndexedDB until it is sealed, so that a page closed mid-seal can seal it again.
import type { PeerTreeDatabase } from './db.ts';

/** Web Lock held while a page seals file `id`: a page that can take it knows no other page is sealing it. */
export function sealLockName(id: string): string {
  return `peertree-seal-${id}`;
}

/** What the row says when the browser had no room for the copy (the file is still sealed from this page). */
export const NO_ROOM_FOR_COPY =
  'not enough space on this device to keep a copy while it is encrypted: keep this page open until it is stored';

/**
 * Keeps the bytes of a file just added. Returns false when the browser refused (storage quota used up): the
 * file is then only in this page's memory, and the caller tells the person.
 */
export async function keepBlob(db: PeerTreeDatabase, id: string, blob: Blob): Promise<boolean> {
  try {
    await db.put('pending-blobs', blob, id);
    return true;
  } catch (err) {
    console.warn('could not keep a copy of the file', id, err);
    return false;
  }
}

/** The kept bytes of file `id`, as a File with its name and type; undefined when none were kept. */
export async function keptFile(
  db: PeerTreeDatabase,
  id: string,
  name: string,
  type: string,
): Promise<File | undefined> {
  const blob = await db.get('pending-blobs', id);
  return blob ? new File([blob], name, { type }) : undefined;
}

/** Drops the kept copy (the file is sealed and queued: its shards carry it from there, or it was removed). */
export async function dropBlob(db: PeerTreeDatabase, id: string): Promise<void> {
  await db.delete('pending-blobs', id);
}

/**
 * Runs `fn` holding file `id`'s seal lock if no other page holds it; returns whether it ran. Without Web Locks
 * (old browsers) it just runs.
 */
export async function withSealLock(id: string, fn: () => Promise<void>, wait: boolean): Promise<boolean> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) {
    await fn();
    return true;
  }
  let ran = false;
  await locks.request(sealLockName(id), wait ? {} : { ifAvailable: true }, async (lock) => {
    if (!lock) return;
    ran = true;
    await fn();
  });
  return ran;
}
