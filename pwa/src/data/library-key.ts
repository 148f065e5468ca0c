// The library key of this device's identity: a random AES-256 key made once per identity (core/library),
// kept in IndexedDB sealed under a non-extractable device key, like the signing key's backup copy. It travels
// to another device only inside the passphrase-encrypted key backup.
import { newLibraryKey } from '../../../core/library/record.ts';
import type { PeerTreeDatabase, WrappedKey } from './db.ts';

const SETTING = 'library-key';

interface StoredLibraryKey {
  /** Owner public key (hex) the library key belongs to. */
  readonly owner: string;
  readonly wrapped: WrappedKey;
}

const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

function isStored(v: unknown): v is StoredLibraryKey {
  const s = v as Partial<StoredLibraryKey> | null;
  return (
    !!s &&
    typeof s.owner === 'string' &&
    !!s.wrapped &&
    s.wrapped.iv instanceof Uint8Array &&
    s.wrapped.sealed instanceof Uint8Array &&
    typeof CryptoKey !== 'undefined' &&
    s.wrapped.deviceKey instanceof CryptoKey
  );
}

/** The library key of `owner` on this device, or null when this device has none for that key. */
export async function loadLibraryKey(db: PeerTreeDatabase, owner: string): Promise<Uint8Array | null> {
  const v = (await db.get('settings', SETTING))?.value;
  if (!isStored(v) || v.owner !== owner) return null;
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(v.wrapped.iv) }, v.wrapped.deviceKey, buf(v.wrapped.sealed)),
  );
}

/** Keeps `key` as `owner`'s library key (replacing any other). */
export async function storeLibraryKey(db: PeerTreeDatabase, owner: string, key: Uint8Array): Promise<void> {
  const deviceKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, deviceKey, buf(key)));
  const value: StoredLibraryKey = { owner, wrapped: { deviceKey, iv, sealed } };
  await db.put('settings', { key: SETTING, value });
}

/** `owner`'s library key, made now (once) if this device has none. */
export async function ensureLibraryKey(db: PeerTreeDatabase, owner: string): Promise<Uint8Array> {
  const existing = await loadLibraryKey(db, owner);
  if (existing) return existing;
  await storeLibraryKey(db, owner, newLibraryKey());
  return (await loadLibraryKey(db, owner))!;
}
