// Opens a key backup file made by the PWA (pwa/src/identity-backup.ts: PBKDF2-SHA-256 → AES-256-GCM over the
// Ed25519 PKCS#8, and in format v2 the library key), so that a command acts as that person: `peertree s3 --backup`.
import { createDecipheriv, pbkdf2 } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { identityFromSeed, type Identity } from '../../core/identity/index.ts';
import { toHex } from '../../core/bytes.ts';
import { UserError } from './cli-errors.ts';
import { MAX_BACKUP_KDF_ITERATIONS } from '../../core/limits.ts';

const FORMAT = 'peertree-key-backup';
/** The PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface OpenedBackup {
  readonly identity: Identity;
  /** The library key (format v2), or null for a v1 file. */
  readonly libraryKey: Uint8Array | null;
}

interface BackupFile {
  format: string;
  v: number;
  publicKey: string;
  kdf: { name: string; hash: string; iterations: number; salt: string };
  cipher: { name: string; iv: string };
  data: string;
  library?: { iv: string; data: string };
}

function parse(text: string): BackupFile {
  let f: Partial<BackupFile>;
  try {
    f = JSON.parse(text) as Partial<BackupFile>;
  } catch {
    throw new UserError('the key backup is not a PeerTree key backup file (not JSON)');
  }
  if (
    f.format !== FORMAT ||
    (f.v !== 1 && f.v !== 2) ||
    typeof f.publicKey !== 'string' ||
    !/^[0-9a-f]{64}$/.test(f.publicKey)
  )
    throw new UserError('the key backup is not a PeerTree key backup file');
  const k = f.kdf;
  if (
    !k ||
    k.name !== 'PBKDF2' ||
    k.hash !== 'SHA-256' ||
    !Number.isSafeInteger(k.iterations) ||
    k.iterations < 1 ||
    k.iterations > MAX_BACKUP_KDF_ITERATIONS ||
    typeof k.salt !== 'string'
  )
    throw new UserError('the key backup uses unknown key derivation settings');
  if (!f.cipher || f.cipher.name !== 'AES-GCM' || typeof f.cipher.iv !== 'string' || typeof f.data !== 'string')
    throw new UserError('the key backup is damaged');
  return f as BackupFile;
}

/** AES-256-GCM decryption of WebCrypto's output (ciphertext ‖ 16-byte tag). */
function openGcm(key: Buffer, iv: string, data: string, aad: string): Buffer {
  const bytes = Buffer.from(data, 'base64url');
  if (bytes.length < 16) throw new UserError('the key backup is damaged');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  try {
    return Buffer.concat([d.update(bytes.subarray(0, bytes.length - 16)), d.final()]);
  } catch {
    throw new UserError('wrong passphrase, or the key backup was changed');
  }
}

/** Opens the backup at `path` with `passphrase`; the key is checked against the public key the file names. */
export async function openKeyBackup(path: string, passphrase: string): Promise<OpenedBackup> {
  const f = parse(await readFile(path, 'utf8'));
  const key = await promisify(pbkdf2)(
    passphrase.normalize('NFC'),
    Buffer.from(f.kdf.salt, 'base64url'),
    f.kdf.iterations,
    32,
    'sha256',
  );
  const pkcs8 = openGcm(key, f.cipher.iv, f.data, `${FORMAT}/v1 ${f.publicKey}`);
  try {
    if (
      pkcs8.length !== ED25519_PKCS8_PREFIX.length + 32 ||
      !pkcs8.subarray(0, ED25519_PKCS8_PREFIX.length).equals(ED25519_PKCS8_PREFIX)
    )
      throw new UserError('the key backup holds a key of an unknown kind');
    const identity = await identityFromSeed(new Uint8Array(pkcs8.subarray(ED25519_PKCS8_PREFIX.length)));
    if (toHex(identity.publicKey) !== f.publicKey)
      throw new UserError('the key in the backup does not match its public key');
    const libraryKey =
      f.v === 2 && f.library
        ? new Uint8Array(openGcm(key, f.library.iv, f.library.data, `${FORMAT}/v2 library ${f.publicKey}`))
        : null;
    if (libraryKey && libraryKey.length !== 32) throw new UserError('the key backup is damaged');
    return { identity, libraryKey };
  } finally {
    pkcs8.fill(0);
  }
}
