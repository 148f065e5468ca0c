// Page side of streaming: names a capability by a random id in IndexedDB, for the service worker to answer
// `/stream/ID` with (stream-sw.ts). The key stays in this browser: the URL holds only the random id, so a
// request that misses the service worker tells a relay nothing.
import type { PeerTreeDatabase } from '../data/db.ts';
import { STREAM_REGISTRATION_TTL_MS } from '../../../core/limits.ts';

export const STREAM_PATH = '/stream/';
export const STREAM_ID_RE = /^[0-9a-f]{32}$/;

export function streamSettingKey(id: string): string {
  return `stream-${id}`;
}

/** True when a service worker answers this page's requests (streaming needs one). */
export function canStream(): boolean {
  return typeof navigator !== 'undefined' && Boolean(navigator.serviceWorker?.controller);
}

/** Registers `capability` and returns the same-origin URL that streams it. */
export async function registerStream(db: PeerTreeDatabase, capability: string, now: number): Promise<string> {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const keys = await db.getAllKeys('settings');
  for (const key of keys) {
    if (!key.startsWith('stream-')) continue;
    const v = (await db.get('settings', key))?.value as { createdAt?: number } | undefined;
    if (!v || typeof v.createdAt !== 'number' || now - v.createdAt > STREAM_REGISTRATION_TTL_MS)
      await db.delete('settings', key);
  }
  await db.put('settings', { key: streamSettingKey(id), value: { capability, createdAt: now } });
  return `${STREAM_PATH}${id}`;
}
