// The browser's identity: made on first visit (non-extractable WebCrypto Ed25519 key), kept in IndexedDB.
import { identityFromCryptoKey, type Identity } from '../../../core/identity/identity.ts';
import { isNodeId, nodeIdOf } from '../../../core/identity/node-id.ts';
import { openPeerTreeDB, type IdentityRecord, type PeerTreeDatabase } from './db.ts';
import { makeBackableKey, type MadeKey } from './identity-backup.ts';

export interface LoadedIdentity {
  readonly identity: Identity;
  /** True when this call made the key (first visit, or storage was cleared). */
  readonly created: boolean;
  readonly createdAt: number;
  /** The stored record (for the backup, which needs its device-sealed copy). */
  readonly record: IdentityRecord;
}

function isUsableRecord(value: unknown): value is IdentityRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<IdentityRecord>;
  return (
    typeof CryptoKey !== 'undefined' &&
    r.privateKey instanceof CryptoKey &&
    r.privateKey.type === 'private' &&
    r.publicKey instanceof Uint8Array &&
    r.publicKey.length === 32 &&
    isNodeId(r.id) &&
    typeof r.createdAt === 'number'
  );
}

function fromRecord(record: IdentityRecord, created: boolean): LoadedIdentity {
  const identity = identityFromCryptoKey(record.privateKey, record.publicKey);
  if (identity.id !== record.id) throw new Error('stored identity does not match its public key');
  return { identity, created, createdAt: record.createdAt, record };
}

/**
 * Returns this browser's identity, creating and storing it on first use. Two tabs opening at once agree:
 * the record is written with `add`, so the second writer loses, and re-reads the winner's key.
 */
export async function loadOrCreateIdentity(db?: PeerTreeDatabase): Promise<LoadedIdentity> {
  const database = db ?? (await openPeerTreeDB());
  const existing: unknown = await database.get('identity', 'self');
  if (existing !== undefined) {
    if (!isUsableRecord(existing)) {
      // Never silently replace a key: the user's files are tied to it. Surface the problem instead.
      throw new Error('the stored identity is damaged; export what you can and clear site data to start over');
    }
    return fromRecord(existing, false);
  }

  // Signs as a non-extractable key; a device-sealed copy makes the encrypted backup possible (identity-backup.ts).
  const made = await makeBackableKey();
  const record = recordOf(made, Date.now());
  try {
    await database.add('identity', record);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'ConstraintError') {
      const winner: unknown = await database.get('identity', 'self');
      if (isUsableRecord(winner)) return fromRecord(winner, false);
    }
    throw err;
  }
  return fromRecord(record, true);
}

function recordOf(made: MadeKey, createdAt: number): IdentityRecord {
  return {
    key: 'self',
    privateKey: made.privateKey,
    publicKey: made.publicKey,
    id: nodeIdOf(made.publicKey),
    createdAt,
    wrapped: made.wrapped,
  };
}

/** Replaces this browser's key with an imported one (the caller confirmed with the user). */
export async function replaceIdentity(made: MadeKey, db?: PeerTreeDatabase): Promise<LoadedIdentity> {
  const database = db ?? (await openPeerTreeDB());
  const record = recordOf(made, Date.now());
  await database.put('identity', record);
  return fromRecord(record, false);
}
