// The relay's copy of the ledger in SQLite: entries by sequence number, looked up by asset and record id.
import type { Database, Statement } from 'better-sqlite3';
import { readRecord } from '../../core/ledger/record.ts';
import type { LedgerEntry } from '../../core/ledger/ledger-state.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_entries (
  seq    INTEGER PRIMARY KEY,
  id     TEXT NOT NULL UNIQUE,
  asset  TEXT NOT NULL,
  record TEXT NOT NULL,
  chain  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_by_asset ON ledger_entries (asset, seq);
`;

type Row = { seq: number; id: string; record: string; chain: string };

function toEntry(row: Row): LedgerEntry {
  return { seq: row.seq, id: row.id, record: readRecord(JSON.parse(row.record)), chain: row.chain };
}

export class LedgerStore {
  private readonly insert: Statement<[number, string, string, string, string]>;
  private readonly since: Statement<[number, number], Row>;
  private readonly forAsset: Statement<[string], Row>;
  private readonly byId: Statement<[string], Row>;

  constructor(db: Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare('INSERT INTO ledger_entries (seq, id, asset, record, chain) VALUES (?, ?, ?, ?, ?)');
    this.since = db.prepare('SELECT seq, id, record, chain FROM ledger_entries WHERE seq >= ? ORDER BY seq LIMIT ?');
    this.forAsset = db.prepare('SELECT seq, id, record, chain FROM ledger_entries WHERE asset = ? ORDER BY seq');
    this.byId = db.prepare('SELECT seq, id, record, chain FROM ledger_entries WHERE id = ?');
  }

  /** Appends one entry durably (the caller has verified it follows the last one). */
  append(e: LedgerEntry): void {
    this.insert.run(e.seq, e.id, e.record.asset, JSON.stringify(e.record), e.chain);
  }

  entriesFrom(seq: number, limit: number): LedgerEntry[] {
    return this.since.all(seq, limit).map(toEntry);
  }

  history(asset: string): LedgerEntry[] {
    return this.forAsset.all(asset).map(toEntry);
  }

  find(id: string): LedgerEntry | null {
    const row = this.byId.get(id);
    return row ? toEntry(row) : null;
  }
}
