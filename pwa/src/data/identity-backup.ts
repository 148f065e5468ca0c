// Making keys that can be backed up, and the encrypted backup file.
//
// The signing key the app uses is always a non-extractable CryptoKey. To allow a backup, a new key is generated
// extractable once, its PKCS#8 is sealed with a non-extractable AES-256-GCM "device key" (also in IndexedDB),
// and only the non-extractable re-import is used to sign. Script can therefore never read the private key by
// accident; the export path unseals it on purpose, only to encrypt it again under the user's passphrase.
import { fromBase64Url, toBase64Url, toHex, utf8 } from '../../../core/bytes.ts';
import { nodeIdOf } from '../../../core/identity/node-id.ts';
import type { WrappedKey } from './db.ts';

export const BACKUP_FORMAT = 'peertree-key-backup';
export const PBKDF2_ITERATIONS = 600_000;
export const MIN_PASSPHRASE_LENGTH = 10;

export interface MadeKey {
  readonly privateKey: CryptoKey;
  readonly publicKey: Uint8Array;
  readonly wrapped: WrappedKey;
}

interface BackupFile {
  readonly format: typeof BACKUP_FORMAT;
  /** 1: the signing key only; 2: also the library key (`library`). Both are read. */
  readonly v: 1 | 2;
  readonly id: string;
  readonly publicKey: string;
  readonly kdf: {
    readonly name: 'PBKDF2';
    readonly hash: 'SHA-256';
    readonly iterations: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: 'AES-GCM'; readonly iv: string };
  readonly data: string;
  /** v2: the library key, AES-256-GCM under the same passphrase key with its own IV and additional data. */
  readonly library?: { readonly iv: string; readonly data: string };
}

const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

async function sealForDevice(pkcs8: Uint8Array): Promise<WrappedKey> {
  const deviceKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, deviceKey, buf(pkcs8)));
  return { deviceKey, iv, sealed };
}

/** A usable (non-extractable) signing key and its public key from PKCS#8 bytes, plus the device-sealed copy. */
export async function adoptPkcs8(pkcs8: Uint8Array): Promise<MadeKey> {
  const extractable = await crypto.subtle.importKey('pkcs8', buf(pkcs8), { name: 'Ed25519' }, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', extractable);
  if (!jwk.x) throw new Error('the key has no public part');
  const publicKey = fromBase64Url(jwk.x);
  const privateKey = await crypto.subtle.importKey('pkcs8', buf(pkcs8), { name: 'Ed25519' }, false, ['sign']);
  return { privateKey, publicKey, wrapped: await sealForDevice(pkcs8) };
}

/** A new Ed25519 key that signs as a non-extractable CryptoKey and can still be backed up. */
export async function makeBackableKey(): Promise<MadeKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  try {
    return await adoptPkcs8(pkcs8);
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * The PKCS#8 of a backable key, unsealed from its device-sealed copy: only to pass it on encrypted at once (the
 * backup, a device link). The caller zeroes it after use.
 */
export async function unsealPkcs8(wrapped: WrappedKey): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(wrapped.iv) }, wrapped.deviceKey, buf(wrapped.sealed)),
  );
}

async function passphraseKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', buf(utf8(passphrase.normalize('NFC'))), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

const aadOf = (publicKeyHex: string): Uint8Array<ArrayBuffer> => buf(utf8(`${BACKUP_FORMAT}/v1 ${publicKeyHex}`));
const libraryAadOf = (publicKeyHex: string): Uint8Array<ArrayBuffer> =>
  buf(utf8(`${BACKUP_FORMAT}/v2 library ${publicKeyHex}`));

/**
 * The backup file (JSON) of a backable key, encrypted under `passphrase` (PBKDF2-SHA-256 → AES-256-GCM); with
 * `libraryKey`, the library key too (format v2), so that a restored device can read the library on relays.
 */
export async function exportBackup(
  wrapped: WrappedKey,
  publicKey: Uint8Array,
  passphrase: string,
  libraryKey?: Uint8Array,
): Promise<string> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new Error(`use a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`);
  const pkcs8 = await unsealPkcs8(wrapped);
  try {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const key = await passphraseKey(passphrase, salt, PBKDF2_ITERATIONS);
    const publicKeyHex = toHex(publicKey);
    const data = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aadOf(publicKeyHex) }, key, buf(pkcs8)),
    );
    let library: BackupFile['library'];
    if (libraryKey) {
      const libIv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv: libIv, additionalData: libraryAadOf(publicKeyHex) },
          key,
          buf(libraryKey),
        ),
      );
      library = { iv: toBase64Url(libIv), data: toBase64Url(sealed) };
    }
    const file: BackupFile = {
      format: BACKUP_FORMAT,
      v: library ? 2 : 1,
      id: nodeIdOf(publicKey),
      publicKey: publicKeyHex,
      kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS, salt: toBase64Url(salt) },
      cipher: { name: 'AES-GCM', iv: toBase64Url(iv) },
      data: toBase64Url(data),
      ...(library ? { library } : {}),
    };
    return JSON.stringify(file, null, 2);
  } finally {
    pkcs8.fill(0);
  }
}

function parseBackup(text: string): BackupFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('this is not a PeerTree key backup (not JSON)');
  }
  const f = v as Partial<BackupFile> | null;
  if (!f || f.format !== BACKUP_FORMAT || (f.v !== 1 && f.v !== 2))
    throw new Error('this is not a PeerTree key backup');
  if (
    f.v === 2 &&
    (typeof f.library?.iv !== 'string' || typeof f.library.data !== 'string' || f.library.data.length > 256)
  )
    throw new Error('the backup is damaged');
  if (typeof f.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(f.publicKey))
    throw new Error('the backup has no valid public key');
  const kdf = f.kdf;
  if (
    !kdf ||
    kdf.name !== 'PBKDF2' ||
    kdf.hash !== 'SHA-256' ||
    !Number.isSafeInteger(kdf.iterations) ||
    kdf.iterations < 100_000 ||
    kdf.iterations > 10_000_000 ||
    typeof kdf.salt !== 'string'
  ) {
    throw new Error('the backup uses unknown key derivation settings');
  }
  if (
    !f.cipher ||
    f.cipher.name !== 'AES-GCM' ||
    typeof f.cipher.iv !== 'string' ||
    typeof f.data !== 'string' ||
    f.data.length > 4096
  )
    throw new Error('the backup is damaged');
  return f as BackupFile;
}

/**
 * Opens a backup file with its passphrase; the key is checked against the public key the file names. A v2
 * file also gives the library key; a v1 file (made before the library lived on relays) gives null.
 */
export async function importBackup(
  text: string,
  passphrase: string,
): Promise<MadeKey & { id: string; libraryKey: Uint8Array | null }> {
  const f = parseBackup(text);
  const key = await passphraseKey(passphrase, fromBase64Url(f.kdf.salt), f.kdf.iterations);
  let pkcs8: Uint8Array;
  try {
    pkcs8 = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: buf(fromBase64Url(f.cipher.iv)), additionalData: aadOf(f.publicKey) },
        key,
        buf(fromBase64Url(f.data)),
      ),
    );
  } catch {
    throw new Error('wrong passphrase, or the backup was changed');
  }
  let libraryKey: Uint8Array | null = null;
  if (f.v === 2 && f.library) {
    try {
      libraryKey = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: buf(fromBase64Url(f.library.iv)), additionalData: libraryAadOf(f.publicKey) },
          key,
          buf(fromBase64Url(f.library.data)),
        ),
      );
    } catch {
      throw new Error('wrong passphrase, or the backup was changed');
    }
    if (libraryKey.length !== 32) throw new Error('the backup is damaged');
  }
  try {
    const made = await adoptPkcs8(pkcs8);
    if (toHex(made.publicKey) !== f.publicKey) throw new Error('the key in the backup does not match its public key');
    return { ...made, id: nodeIdOf(made.publicKey), libraryKey };
  } finally {
    pkcs8.fill(0);
  }
}
