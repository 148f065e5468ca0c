// The PWA's IndexedDB database: one versioned schema, opened once per page (and once per worker) through `idb`.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'peertree';
/** Bump when adding stores or indexes, and add a step to `upgrade` below (never edit an old step). */
export const DB_VERSION = 3;

/** A backup-able copy of the private key: PKCS#8 sealed with a non-extractable AES-GCM key of this device. */
export interface WrappedKey {
  /** AES-256-GCM key that never leaves the browser (non-extractable). */
  readonly deviceKey: CryptoKey;
  readonly iv: Uint8Array;
  /** AES-GCM(deviceKey, iv, PKCS#8 of the Ed25519 private key). */
  readonly sealed: Uint8Array;
}

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
  /** Present for keys made (or imported) by version 2 and later: what the encrypted backup is made from. */
  readonly wrapped?: WrappedKey;
}

/** local: being sealed on this device · queued: waiting for a relay · uploading · stored · error */
export type FileStatus = 'local' | 'queued' | 'uploading' | 'stored' | 'error';

/** One file the user added (origin `added`) or opened from a link (origin `opened`). */
export interface FileRecord {
  readonly id: string;
  readonly origin: 'added' | 'opened';
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly addedAt: number;
  readonly status: FileStatus;
  /** The capability (manifest hash + key); set once sealing finished. Shown to the user once stored. */
  readonly capability: string | null;
  /** PeerTree file hash from the manifest (see core/storage/file-codec.ts). */
  readonly fileHash: string | null;
  /** Stored shard hashes in file order, then the manifest shard last. */
  readonly shards: readonly string[];
  /** Relays that acknowledged holding every shard (the smallest holder count over all shards). */
  readonly replicas: number | null;
  /** Copies the upload asked for (the relays' target); absent for records from before it was kept. */
  readonly wanted?: number | null;
  readonly error: string | null;
  /** While `queued`: what the upload waits for, in plain words ("waiting for 2 more relays…"); null otherwise. */
  readonly waiting?: string | null;
  readonly public: boolean;
  /**
   * Opt-in: what the user made findable by search for this file (name and/or description, tags). A memory
   * with the capability as its `ref` is sent once the file is stored. Absent or null: not searchable.
   */
  readonly searchable?: SearchableText | null;
  /** Id of the memory that made this file findable, once a relay stored it. */
  readonly memoryId?: string | null;
  /** Why a relay refused that memory (it then waits for the user's retry); null otherwise. */
  readonly memoryError?: string | null;
  /**
   * Capabilities of the thumbnails made on the device that added the file (their own small encrypted files,
   * uploaded with it: their shards come first in `shards`); null or absent for no picture.
   */
  readonly thumbs?: { readonly grid: string; readonly screen: string } | null;
  /** When the photo was taken (EXIF, ms); null or absent when unknown. */
  readonly taken?: number | null;
  /** When the name was last set by the person (ms; the library's `nameAt`); absent: the name it was added with. */
  readonly nameAt?: number;
  /** The person's note on the file ("" or absent: none) and when it was set (the library's `note`, `noteAt`). */
  readonly note?: string;
  readonly noteAt?: number;
}

/** The text and tags of a memory the user asked for (signed only when it is sent). */
export interface SearchableText {
  readonly text: string;
  readonly tags: readonly string[];
}

/**
 * A send waiting for acknowledgements: an upload (`store`), the signed release of a deleted file's pins
 * (`release`), or a memory to make findable by search (`memory`). Holds no signed frames: every frame (and
 * every pin, release or memory) is signed when it is sent.
 */
export interface OutboxItem {
  /** The file's id for `store`; `release-<file id>` for `release`; `memory-<file id or random>` for `memory`. */
  readonly id: string;
  readonly kind: 'store' | 'release' | 'memory';
  /** File name, for display. */
  readonly name: string;
  readonly createdAt: number;
  /** Data shards in order, then the manifest (sent last: a capability only resolves once its data is held). */
  readonly shards: readonly string[];
  /** store: shards acknowledged as held, with the holder count reported; release: shards released, with the count. */
  readonly acked: Readonly<Record<string, number>>;
  /** Replica count asked for; fixed at the first send. */
  readonly replicas: number | null;
  readonly attempts: number;
  readonly lastError: string | null;
  /** A final refusal (core/outbox/policy.ts): it waits for the user's retry instead of being sent again. */
  readonly stopped: boolean;
  /** After a transient failure: not sent again before this time (ms), unless the connection comes back. */
  readonly nextAttemptAt?: number | null;
  /** memory: what to remember; `ref` is the capability it points at (null for a plain note). */
  readonly memory?: { readonly text: string; readonly tags: readonly string[]; readonly ref: string | null };
  /** memory: the file whose upload must finish first (the memory names its capability); null for a note. */
  readonly fileId?: string | null;
}

export interface ShardStats {
  readonly key: 'totals';
  readonly shards: number;
  readonly bytes: number;
}

export interface SettingRecord {
  readonly key: string;
  readonly value: unknown;
}

export interface PeerTreeDB extends DBSchema {
  identity: { key: 'self'; value: IdentityRecord };
  /** Shard bytes by hash (out-of-line key). */
  shards: { key: string; value: Uint8Array };
  'shard-stats': { key: 'totals'; value: ShardStats };
  files: { key: string; value: FileRecord; indexes: { addedAt: number } };
  outbox: { key: string; value: OutboxItem; indexes: { createdAt: number } };
  settings: { key: string; value: SettingRecord };
  /** The bytes of an added file until it is sealed (pending-blobs.ts): a reopened page seals it again. */
  'pending-blobs': { key: string; value: Blob };
}

export type PeerTreeDatabase = IDBPDatabase<PeerTreeDB>;

/** Opens (creating or migrating) a database with this schema; a new connection each call. */
export function openDatabase(
  name: string = DB_NAME,
  hooks: { onBlocking?: () => void; onTerminated?: () => void } = {},
): Promise<PeerTreeDatabase> {
  return openDB<PeerTreeDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      // Each step upgrades from one version to the next; they run in order for old databases.
      if (oldVersion < 1) {
        db.createObjectStore('identity', { keyPath: 'key' });
      }
      if (oldVersion < 2) {
        db.createObjectStore('shards');
        db.createObjectStore('shard-stats', { keyPath: 'key' });
        db.createObjectStore('files', { keyPath: 'id' }).createIndex('addedAt', 'addedAt');
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('createdAt', 'createdAt');
        db.createObjectStore('settings', { keyPath: 'key' });
      }
      if (oldVersion < 3) {
        db.createObjectStore('pending-blobs');
      }
    },
    blocked() {
      // Another tab holds an older version open; it will close on `versionchange`.
    },
    blocking() {
      hooks.onBlocking?.();
    },
    terminated() {
      hooks.onTerminated?.();
    },
  });
}

let opening: Promise<PeerTreeDatabase> | undefined;

/** The shared connection of this page (or worker); later calls share it. */
export function openPeerTreeDB(): Promise<PeerTreeDatabase> {
  opening ??= openDatabase(DB_NAME, {
    onBlocking() {
      // A newer tab wants to upgrade: let it, and make the next call here reopen.
      void opening?.then((db) => db.close());
      opening = undefined;
    },
    onTerminated() {
      opening = undefined;
    },
  }).catch((err: unknown) => {
    opening = undefined;
    throw err;
  });
  return opening;
}
