// The relay's SQLite metadata database (better-sqlite3, WAL) with ordered, versioned migrations.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type RelayDb = Database.Database;

export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: RelayDb): void;
}

/** Append only: never edit a released migration, add a new one with the next version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'meta key/value table',
    up: (db) => {
      db.exec(`CREATE TABLE meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) STRICT`);
    },
  },
  {
    version: 2,
    description: 'tree protocol state (membership, outbox, seen ids, recent broadcasts, the rest), one row per part',
    up: (db) => {
      db.exec(`CREATE TABLE tree_state (
        part       TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT`);
    },
  },
];

/** Applies every migration newer than the database's `user_version`, each in its own transaction. */
export function migrate(db: RelayDb, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest)
    throw new Error(`relay.db has schema version ${current}, newer than this relay (${latest}); upgrade PeerTree`);
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const m of pending) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

/** The database and its WAL files are private to the relay's user (SQLite gives the journals the db's mode). */
export const DB_FILE_MODE = 0o600;

export function openRelayDb(path: string): RelayDb {
  if (path !== ':memory:' && path !== '') {
    closeSync(openSync(path, 'a', DB_FILE_MODE));
    for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, DB_FILE_MODE);
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function getMeta(db: RelayDb, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

export function setMeta(db: RelayDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}
