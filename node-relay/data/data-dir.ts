// The relay's data folder: created private (0700), with small helpers to create files once, atomically and privately.
import { constants, promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../log-contract.ts';

export const DIR_MODE = 0o700;
export const SECRET_FILE_MODE = 0o600;

/** File names inside the data folder (documented in docs/relay.md). */
export const DATA_FILES = {
  seed: 'identity.seed',
  cert: 'tls-cert.pem',
  key: 'tls-key.pem',
  treeId: 'tree-id',
  db: 'relay.db',
  running: 'running.json',
  /** The ACME account's private key (--domain): made at the first order, reused for every later one. */
  acmeAccountKey: 'acme-account-key.pem',
  /** The certificate from the ACME CA (--domain): its private key and chain in one file, replaced whole on renewal. */
  acmeCert: 'acme-cert.pem',
} as const;

export interface DataDir {
  readonly path: string;
  file(name: string): string;
}

/** The data folder at `path` as it is (nothing created or checked): for commands that only read an existing one. */
export function dataDirAt(path: string): DataDir {
  const abs = resolve(path);
  return { path: abs, file: (name) => join(abs, name) };
}

/** Creates the folder (and parents) if needed and makes sure the folder itself is 0700. */
export async function openDataDir(path: string, logger: Logger): Promise<DataDir> {
  const abs = resolve(path);
  await fs.mkdir(abs, { recursive: true, mode: DIR_MODE });
  const stat = await fs.stat(abs);
  if (!stat.isDirectory()) throw new Error(`${abs} is not a folder`);
  if ((stat.mode & 0o777) !== DIR_MODE) {
    logger.warn('tightening data folder permissions', { path: abs, from: (stat.mode & 0o777).toString(8), to: '700' });
    await fs.chmod(abs, DIR_MODE);
  }
  return dataDirAt(abs);
}

/** Reads a file, or returns null when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes `content` to a new temporary file beside `path` with the final mode, fsynced; returns its path. */
async function writeSyncedTemp(path: string, content: string | Uint8Array, mode: number): Promise<string> {
  const tmp = join(dirname(path), `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await fs.open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/**
 * Writes a new file atomically (temporary file with the final mode, fsync, rename) and never replaces an
 * existing one: if another process created it first, its content wins and is returned.
 */
export async function createFileOnce(path: string, content: string | Uint8Array, mode: number): Promise<Buffer> {
  const tmp = await writeSyncedTemp(path, content, mode);
  try {
    // link() fails if the target exists, unlike rename(): the first writer wins.
    await fs.link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.unlink(tmp).catch(() => {});
  }
  return fs.readFile(path);
}

/**
 * Replaces a file atomically (temporary file with the final mode, fsync, rename): a crash leaves the old content
 * or the new one, never a torn file.
 */
export async function replaceFile(path: string, content: string | Uint8Array, mode: number): Promise<void> {
  const tmp = await writeSyncedTemp(path, content, mode);
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Makes sure an existing secret file is not readable by others (0600), tightening it with a warning if needed. */
export async function ensurePrivate(path: string, logger: Logger): Promise<void> {
  const stat = await fs.stat(path);
  if ((stat.mode & 0o077) !== 0) {
    logger.warn('tightening secret file permissions', { path, from: (stat.mode & 0o777).toString(8), to: '600' });
    await fs.chmod(path, SECRET_FILE_MODE);
  }
}
