// The relay's copy of the ledger in SQLite: entries by sequence number, looked up by asset and record id, and
// the roots this relay has seen at position 0 of a membership (the sequencers it accepts entries from).
// Entries of the first, unsigned layout (table ledger_entries) are not read: they carry no sequencer signature.
import type { Database, Statement } from 'better-sqlite3';
import { readRecord } from '../../core/ledger/record.ts';
import { readProof } from '../../core/ledger/entry.ts';
import type { LedgerEntry } from '../../core/ledger/ledger-state.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_signed_entries (
  seq    INTEGER PRIMARY KEY,
  id     TEXT NOT NULL UNIQUE,
  asset  TEXT NOT NULL,
  record TEXT NOT NULL,
  chain  TEXT NOT NULL,
  proof  TEXT,
  by     TEXT NOT NULL,
  sig    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_signed_entries_by_asset ON ledger_signed_entries (asset, seq);
CREATE TABLE IF NOT EXISTS ledger_roots (
  id    TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL
) WITHOUT ROWID;
`;

type Row = { seq: number; id: string; record: string; chain: string; proof: string | null; by: string; sig: string };

function toEntry(row: Row): LedgerEntry {
  return {
    seq: row.seq,
    id: row.id,
    record: readRecord(JSON.parse(row.record)),
    chain: row.chain,
    proof: readProof(row.proof === null ? null : JSON.parse(row.proof)),
    by: row.by,
    sig: row.sig,
  };
}

export class LedgerStore {
  private readonly insert: Statement<[number, string, string, string, string, string | null, string, string]>;
  private readonly addRoot: Statement<[string, number]>;
  private readonly allRoots: Statement<[], { id: string }>;
  private readonly since: Statement<[number, number], Row>;
  private readonly forAsset: Statement<[string], Row>;
  private readonly byId: Statement<[string], Row>;

  constructor(db: Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare(
      'INSERT INTO ledger_signed_entries (seq, id, asset, record, chain, proof, by, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.since = db.prepare(
      `SELECT seq, id, record, chain, proof, by, sig FROM ledger_signed_entries WHERE seq >= ? ORDER BY seq LIMIT ?`,
    );
    this.forAsset = db.prepare(
      `SELECT seq, id, record, chain, proof, by, sig FROM ledger_signed_entries WHERE asset = ? ORDER BY seq`,
    );
    this.byId = db.prepare(`SELECT seq, id, record, chain, proof, by, sig FROM ledger_signed_entries WHERE id = ?`);
    this.addRoot = db.prepare('INSERT INTO ledger_roots (id, epoch) VALUES (?, ?) ON CONFLICT (id) DO NOTHING');
    this.allRoots = db.prepare('SELECT id FROM ledger_roots');
  }

  /** Appends one entry durably (the caller has verified it follows the last one). */
  append(e: LedgerEntry): void {
    this.insert.run(
      e.seq,
      e.id,
      e.record.asset,
      JSON.stringify(e.record),
      e.chain,
      e.proof === null ? null : JSON.stringify(e.proof),
      e.by,
      e.sig,
    );
  }

  /** The entry at `seq`, or null. */
  at(seq: number): LedgerEntry | null {
    return this.entriesFrom(seq, 1).find((e) => e.seq === seq) ?? null;
  }

  /** Remembers a relay seen at position 0 of the membership of `epoch` (first sighting kept). */
  rememberRoot(id: string, epoch: number): void {
    this.addRoot.run(id, epoch);
  }

  roots(): string[] {
    return this.allRoots.all().map((r) => r.id);
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
