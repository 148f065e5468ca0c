// The gateway's S3 access key and secret: made on first start, kept in $PEERTREE_HOME/s3-credentials.json (0600),
// the same on every start until `peertree s3 keys --rotate` replaces them.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { S3Credentials } from './sigv4.ts';

/** $PEERTREE_HOME, else ~/.peertree: where the gateway keeps its credentials and index. */
export function peertreeHome(): string {
  return process.env.PEERTREE_HOME ?? join(homedir(), '.peertree');
}

export function credentialsFile(home = peertreeHome()): string {
  return join(home, 's3-credentials.json');
}

/** A fresh pair: a 20-character upper-case access key id (AWS's shape) and a 40-character secret. */
export function newCredentials(): S3Credentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(18)].map((b) => alphabet[b % 32]).join('');
  return { accessKeyId: `PT${id}`.slice(0, 20), secretAccessKey: randomBytes(30).toString('base64url') };
}

function isCredentials(v: unknown): v is S3Credentials {
  const c = v as Partial<S3Credentials> | null;
  return (
    typeof c?.accessKeyId === 'string' &&
    /^[A-Z0-9]{16,128}$/.test(c.accessKeyId) &&
    typeof c.secretAccessKey === 'string' &&
    c.secretAccessKey.length >= 16
  );
}

async function save(path: string, creds: S3Credentials): Promise<void> {
  // Written to a private temporary file, then renamed: never a half-written or world-readable secret.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(
    tmp,
    JSON.stringify({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }, null, 2) + '\n',
    { mode: 0o600 },
  );
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** The pair in the file, null when there is none; a file that is not a valid pair is an error. */
async function readStored(path: string): Promise<S3Credentials | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!isCredentials(parsed))
    throw new Error(
      `${path} does not hold S3 credentials: fix it, or run \`peertree s3 keys --rotate\` to make new ones`,
    );
  return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey };
}

/** The stored pair, created on first use. A file that is not a valid pair is an error (never silently replaced). */
export async function loadCredentials(home = peertreeHome()): Promise<S3Credentials> {
  const path = credentialsFile(home);
  const stored = await readStored(path);
  if (stored) return stored;
  await mkdir(home, { recursive: true, mode: 0o700 });
  const creds = newCredentials();
  await save(path, creds);
  return creds;
}

/** Replaces the stored pair with a fresh one (clients using the old pair are refused from then on). */
export async function rotateCredentials(home = peertreeHome()): Promise<S3Credentials> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const creds = newCredentials();
  await save(credentialsFile(home), creds);
  return creds;
}

/**
 * The current pair for a running gateway: the file is read again at most once a second (a few bytes), so that
 * `peertree s3 keys --rotate` takes effect without a restart. A file that is gone or damaged keeps the last pair.
 */
export function liveCredentials(
  initial: S3Credentials,
  home = peertreeHome(),
  now: () => number = Date.now,
): () => Promise<S3Credentials> {
  let current = initial;
  let readAt = now();
  return async () => {
    if (now() - readAt < 1000) return current;
    readAt = now();
    try {
      current = (await readStored(credentialsFile(home))) ?? current;
    } catch {
      // Keep serving with the pair we have; the next look may succeed.
    }
    return current;
  };
}
