// The CLI user's own key (pins what they store, signs their deletes) and library key (seals their library record):
// each a 32-byte secret kept in a 0600 file that survives runs, made on first use.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { identityFromSeed, type Identity } from '../../core/identity/index.ts';

/** `$PEERTREE_HOME/identity.seed`, else `~/.peertree/identity.seed`. */
export function defaultIdentityFile(): string {
  return join(process.env.PEERTREE_HOME ?? join(homedir(), '.peertree'), 'identity.seed');
}

/** The library key belonging to the identity in `identityFile`: beside it, "NAME.library-key". */
export function libraryKeyFile(identityFile = defaultIdentityFile()): string {
  return identityFile.replace(/\.seed$/, '') + '.library-key';
}

/** The 32 bytes (hex) in the file at `path`, creating it with mode 0600 on first use. */
async function loadSecret(path: string, what: string): Promise<Uint8Array> {
  let text: string | null = null;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === null) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    text = randomBytes(32).toString('hex');
    try {
      await writeFile(path, text + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another run created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      text = (await readFile(path, 'utf8')).trim();
    }
  }
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} does not hold a 32-byte hex ${what}`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Loads the seed at `path` (hex), creating it with mode 0600 on first use. */
export async function loadClientIdentity(path = defaultIdentityFile()): Promise<Identity> {
  return identityFromSeed(await loadSecret(path, 'seed'));
}

/** The library key of the identity at `identityFile` (created with mode 0600 on first use). */
export function loadClientLibraryKey(identityFile = defaultIdentityFile()): Promise<Uint8Array> {
  return loadSecret(libraryKeyFile(identityFile), 'library key');
}
