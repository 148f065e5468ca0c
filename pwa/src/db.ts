// The PWA's IndexedDB database: one versioned schema, opened once per page through `idb`.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'peertree';
/** Bump when adding stores or indexes, and add a step to `upgrade` below (never edit an old step). */
export const DB_VERSION = 1;

/** The one browser identity, under the key `self`. */
export interface IdentityRecord {
  readonly key: 'self';
  /** WebCrypto Ed25519 private key; non-extractable where the browser allows (structured-cloned by IndexedDB). */
  readonly privateKey: CryptoKey;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** Node id derived from the public key, stored for display before crypto is ready. */
  readonly id: string;
  /** When the key was made (ms since the epoch). */
  readonly createdAt: number;
}

export interface PeerTreeDB extends DBSchema {
  identity: { key: 'self'; value: IdentityRecord };
}

export type PeerTreeDatabase = IDBPDatabase<PeerTreeDB>;

let opening: Promise<PeerTreeDatabase> | undefined;

/** Opens (and creates or migrates) the database; later calls share the same connection. */
export function openPeerTreeDB(): Promise<PeerTreeDatabase> {
  opening ??= openDB<PeerTreeDB>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      // Each step upgrades from one version to the next; they run in order for old databases.
      if (oldVersion < 1) {
        db.createObjectStore('identity', { keyPath: 'key' });
      }
    },
    blocked() {
      // Another tab holds an older version open; it will close on `versionchange` below.
    },
    blocking() {
      // A newer tab wants to upgrade: let it, and make the next call here reopen.
      void opening?.then((db) => db.close());
      opening = undefined;
    },
    terminated() {
      opening = undefined;
    },
  }).catch((err: unknown) => {
    opening = undefined;
    throw err;
  });
  return opening;
}
