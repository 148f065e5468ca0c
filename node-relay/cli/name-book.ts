// The CLI's book of the files this machine stored: manifest hash → name and size, one JSON line per `put`, in
// `$PEERTREE_HOME/names.jsonl` (0600, next to the key). Relays never learn names (an encrypted file's manifest is
// sealed), so this is how `peertree ls` shows names for what was put from here. It holds no file keys: a name
// without its capability opens nothing.
import { appendFile, mkdir, open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MAX_NAME_BOOK_BYTES } from '../../core/limits.ts';
import { isShardHash, parseCapability } from '../../core/storage/capability.ts';

export interface NamedFile {
  readonly name: string;
  readonly size: number;
  /** When it was put (ms since the epoch). */
  readonly ts: number;
}

/** `$PEERTREE_HOME/names.jsonl`, else `~/.peertree/names.jsonl`. */
export function defaultNameBook(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.PEERTREE_HOME ?? join(homedir(), '.peertree'), 'names.jsonl');
}

/** Notes that `capability` names `name` (`size` bytes). Best effort: a book that cannot be written loses a name, not the put. */
export async function rememberName(
  name: string,
  capability: string,
  size: number,
  path = defaultNameBook(),
  now = Date.now(),
): Promise<void> {
  try {
    const manifest = parseCapability(capability).manifest;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await appendFile(path, JSON.stringify({ manifest, name, size, ts: now }) + '\n', { mode: 0o600 });
  } catch {
    // The put itself succeeded and printed its capability; the name is a convenience.
  }
}

/** The names in the book by manifest hash (the newest line for a hash wins); empty when there is no book. */
export async function readNameBook(path = defaultNameBook()): Promise<Map<string, NamedFile>> {
  const names = new Map<string, NamedFile>();
  let text: string;
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const start = Math.max(0, size - MAX_NAME_BOOK_BYTES);
      const buffer = Buffer.alloc(size - start);
      await file.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
      // Reading from the middle of the book: the first line is cut.
      if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      await file.close();
    }
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      if (
        isShardHash(r.manifest) &&
        typeof r.name === 'string' &&
        typeof r.size === 'number' &&
        typeof r.ts === 'number'
      ) {
        names.set(r.manifest, { name: r.name, size: r.size, ts: r.ts });
      }
    } catch {
      // a torn last line (two puts at once, a crash): skipped
    }
  }
  return names;
}
