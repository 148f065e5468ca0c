// The relay's library heads in SQLite: one row per owner, the newest valid head it has seen.
import type { Database, Statement } from 'better-sqlite3';
import type { LibraryHead } from '../../core/library/record.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS library_heads (
  owner  TEXT PRIMARY KEY,
  seq    INTEGER NOT NULL,
  record TEXT NOT NULL,
  ts     INTEGER NOT NULL,
  sig    TEXT NOT NULL
);
`;

export class HeadStore {
  private readonly upsert: Statement<[string, number, string, number, string]>;
  private readonly byOwner: Statement<[string], LibraryHead>;
  private readonly count: Statement<[], { n: number }>;

  constructor(db: Database) {
    db.exec(SCHEMA);
    // Only a strictly newer seq replaces a row: a race between two writers cannot roll a head back.
    this.upsert = db.prepare(
      'INSERT INTO library_heads (owner, seq, record, ts, sig) VALUES (?, ?, ?, ?, ?) ON CONFLICT(owner) DO UPDATE SET seq = excluded.seq, record = excluded.record, ts = excluded.ts, sig = excluded.sig WHERE excluded.seq > library_heads.seq',
    );
    this.byOwner = db.prepare('SELECT owner, seq, record, ts, sig FROM library_heads WHERE owner = ?');
    this.count = db.prepare('SELECT COUNT(*) AS n FROM library_heads');
  }

  get(owner: string): LibraryHead | null {
    return this.byOwner.get(owner) ?? null;
  }

  /** Stores a verified head if it is newer than the one held; true when it was written. */
  put(h: LibraryHead): boolean {
    return this.upsert.run(h.owner, h.seq, h.record, h.ts, h.sig).changes > 0;
  }

  size(): number {
    return this.count.get()!.n;
  }
}
