// The id of the tree this relay belongs to: made at first start (a lone relay is the root of a new tree).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { toHex } from '../../core/bytes.ts';
import type { Rng } from '../components.ts';
import { createFileOnce, DATA_FILES, readIfExists, type DataDir } from './data-dir.ts';

export const TREE_ID_BYTES = 16;
const TREE_ID_RE = /^[0-9a-f]{32}$/;

export function parseTreeIdFile(text: string): string {
  const trimmed = text.trim();
  if (!TREE_ID_RE.test(trimmed)) throw new Error('tree id file is damaged (expected 32 lowercase hex characters)');
  return trimmed;
}

export async function loadOrCreateTreeId(dir: DataDir, rng: Rng): Promise<{ treeId: string; created: boolean }> {
  const path = dir.file(DATA_FILES.treeId);
  const existing = await readIfExists(path);
  if (existing !== null) return { treeId: parseTreeIdFile(existing.toString('utf8')), created: false };
  const written = await createFileOnce(path, toHex(rng.bytes(TREE_ID_BYTES)) + '\n', 0o600);
  return { treeId: parseTreeIdFile(written.toString('utf8')), created: true };
}

/**
 * Replaces the tree id (a relay that joins another tree adopts its id): temporary file, fsync, rename,
 * so a crash leaves either the old or the new id, never a torn file. Synchronous: it runs once per join.
 */
export function replaceTreeId(dir: DataDir, treeId: string): void {
  parseTreeIdFile(treeId);
  const path = dir.file(DATA_FILES.treeId);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, treeId + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A fresh random tree id (a relay that leaves a tree and starts its own). */
export function newTreeId(rng: Rng): string {
  return toHex(rng.bytes(TREE_ID_BYTES));
}
