// The relay's Ed25519 identity: a 32-byte seed kept as hex in the data folder (0600), made once, reused forever.
import { fromHex, toHex } from '../../core/bytes.ts';
import { identityFromSeed, SEED_BYTES, type Identity } from '../../core/identity/index.ts';
import type { Rng } from '../components.ts';
import type { Logger } from '../log-contract.ts';
import { seedSigner } from '../crypto/seed-signer.ts';
import { createFileOnce, DATA_FILES, ensurePrivate, readIfExists, SECRET_FILE_MODE, type DataDir } from './data-dir.ts';

const SEED_RE = new RegExp(`^[0-9a-f]{${SEED_BYTES * 2}}$`);

/** Parses the seed file's text; throws with a clear message when it is damaged. */
export function parseSeedFile(text: string): Uint8Array {
  const trimmed = text.trim();
  if (!SEED_RE.test(trimmed))
    throw new Error(`identity seed file is damaged (expected ${SEED_BYTES * 2} hex characters)`);
  return fromHex(trimmed);
}

export interface LoadedIdentity {
  readonly identity: Identity;
  /** Synchronous signing with the same key, for the tree's membership records (the seed is not kept). */
  readonly signSync: (bytes: Uint8Array) => Uint8Array;
  /** True when this start created the identity. */
  readonly created: boolean;
}

export async function loadOrCreateIdentity(dir: DataDir, rng: Rng, logger: Logger): Promise<LoadedIdentity> {
  const path = dir.file(DATA_FILES.seed);
  let existing = await readIfExists(path);
  let created = false;
  if (existing === null) {
    existing = await createFileOnce(path, toHex(rng.bytes(SEED_BYTES)) + '\n', SECRET_FILE_MODE);
    created = true;
  } else {
    await ensurePrivate(path, logger);
  }
  const seed = parseSeedFile(existing.toString('utf8'));
  const identity = await identityFromSeed(seed);
  const signSync = seedSigner(seed);
  seed.fill(0);
  return { identity, signSync, created };
}

/** The identity of an existing data folder, never making one (`peertree leave` must not invent a relay). */
export async function readIdentity(dir: DataDir): Promise<Identity | null> {
  const existing = await readIfExists(dir.file(DATA_FILES.seed));
  if (existing === null) return null;
  const seed = parseSeedFile(existing.toString('utf8'));
  const identity = await identityFromSeed(seed);
  seed.fill(0);
  return identity;
}
