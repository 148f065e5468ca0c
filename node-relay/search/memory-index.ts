// The relay's memory index: memories in SQLite with an FTS5 (BM25) full-text index, and a word summary.
import type { Database, Statement } from 'better-sqlite3';
import { WordBloom } from '../../core/search/bloom.ts';
import type { Memory } from '../../core/search/memory.ts';
import { coverage, MIN_COVERAGE, toFtsQuery, words, type SearchTerm } from '../../core/search/query.ts';
import type { SearchHit } from '../../core/search/merge.ts';
import { MAX_SEARCH_CANDIDATES } from '../../core/limits.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS memories (
  rowid  INTEGER PRIMARY KEY,
  id     TEXT NOT NULL UNIQUE,
  author TEXT NOT NULL,
  ts     INTEGER NOT NULL,
  body   TEXT NOT NULL,
  doc    TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(
  body, content='memories', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0'
);
CREATE TRIGGER IF NOT EXISTS memories_ai AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER IF NOT EXISTS memories_ad AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
`;

/** The text a memory is found by: its words and its tags. */
export function searchableText(m: Memory): string {
  return `${m.text} ${m.tags.join(' ')}`;
}

export class MemoryIndex {
  private readonly insert: Statement<[string, string, number, string, string]>;
  private readonly remove: Statement<[string]>;
  private readonly byId: Statement<[string], { doc: string }>;
  private readonly count: Statement<[], { n: number }>;
  private readonly countByAuthor: Statement<[string], { n: number }>;
  private readonly match: Statement<[string, number], { id: string; doc: string; body: string; rank: number }>;
  private summary: WordBloom;

  constructor(private readonly db: Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare('INSERT OR IGNORE INTO memories (id, author, ts, body, doc) VALUES (?, ?, ?, ?, ?)');
    this.remove = db.prepare('DELETE FROM memories WHERE id = ?');
    this.byId = db.prepare('SELECT doc FROM memories WHERE id = ?');
    this.count = db.prepare('SELECT COUNT(*) AS n FROM memories');
    db.exec('CREATE INDEX IF NOT EXISTS memories_by_author ON memories (author)');
    this.countByAuthor = db.prepare('SELECT COUNT(*) AS n FROM memories WHERE author = ?');
    // The MATCH argument is always a bound parameter built by toFtsQuery: quoted literals only.
    this.match = db.prepare(
      'SELECT m.id, m.doc, m.body, bm25(memories_fts) AS rank FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid WHERE memories_fts MATCH ? ORDER BY rank LIMIT ?',
    );
    this.summary = this.rebuildSummary();
  }

  get size(): number {
    return this.count.get()!.n;
  }

  /** Memories of `author` kept here (for the per-author quota). */
  countOf(author: string): number {
    return this.countByAuthor.get(author)!.n;
  }

  /** The word summary of this relay's own memories. */
  get words(): WordBloom {
    return this.summary;
  }

  /** Adds a verified memory; returns false when it was already indexed. */
  add(id: string, m: Memory): boolean {
    const body = searchableText(m);
    const added = this.insert.run(id, m.author, m.ts, body, JSON.stringify(m)).changes > 0;
    if (added) for (const w of words(body)) this.summary.add(w);
    return added;
  }

  get(id: string): Memory | null {
    const row = this.byId.get(id);
    return row ? (JSON.parse(row.doc) as Memory) : null;
  }

  /** Removes a memory; the summary is rebuilt so that forgotten words stop attracting searches. */
  delete(id: string): boolean {
    const removed = this.remove.run(id).changes > 0;
    if (removed) this.summary = this.rebuildSummary();
    return removed;
  }

  /**
   * The best local matches: FTS5 finds candidates (BM25), the coverage floor keeps well-scoring ones. The
   * score is coverage (comparable between relays) plus a BM25 tie-break below 0.01.
   */
  search(terms: readonly SearchTerm[], limit: number): SearchHit[] {
    if (terms.length === 0) return [];
    const rows = this.match.all(toFtsQuery(terms), MAX_SEARCH_CANDIDATES);
    const hits: SearchHit[] = [];
    for (const row of rows) {
      const c = coverage(terms, row.body);
      if (c < MIN_COVERAGE) continue;
      const relevance = -row.rank / (1 - row.rank); // bm25 is ≤ 0 in SQLite: map to [0, 1)
      hits.push({ id: row.id, score: c + 0.01 * relevance, memory: JSON.parse(row.doc) });
    }
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, limit);
  }

  private rebuildSummary(): WordBloom {
    const bloom = new WordBloom();
    for (const row of this.db.prepare('SELECT body FROM memories').iterate() as IterableIterator<{ body: string }>) {
      for (const w of words(row.body)) bloom.add(w);
    }
    return bloom;
  }
}
