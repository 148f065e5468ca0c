// Which relays hold each shard (as far as this relay knows): fetch hints and the input of repair.
import type { Database, Statement } from 'better-sqlite3';

function schema(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  hash   TEXT NOT NULL,
  holder TEXT NOT NULL,
  PRIMARY KEY (hash, holder)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ${table}_by_holder ON ${table} (holder);
`;
}

export class HolderIndex {
  private readonly insert: Statement<[string, string]>;
  private readonly clear: Statement<[string]>;
  private readonly byHash: Statement<[string], { holder: string }>;
  private readonly byHolder: Statement<[string], { hash: string }>;
  private readonly removeHolder: Statement<[string, string]>;

  /** `table` names the replicated kind of item (shards by default; memories use their own table). */
  constructor(
    private readonly db: Database,
    table: 'shard_holders' | 'memory_holders' = 'shard_holders',
  ) {
    db.exec(schema(table));
    this.insert = db.prepare(`INSERT OR IGNORE INTO ${table} (hash, holder) VALUES (?, ?)`);
    this.clear = db.prepare(`DELETE FROM ${table} WHERE hash = ?`);
    this.byHash = db.prepare(`SELECT holder FROM ${table} WHERE hash = ? ORDER BY holder`);
    this.byHolder = db.prepare(`SELECT hash FROM ${table} WHERE holder = ?`);
    this.removeHolder = db.prepare(`DELETE FROM ${table} WHERE hash = ? AND holder = ?`);
  }

  /** Replaces the known holder set of `hash`. */
  set(hash: string, holders: readonly string[]): void {
    this.db.transaction(() => {
      this.clear.run(hash);
      for (const h of holders) this.insert.run(hash, h);
    })();
  }

  add(hash: string, holder: string): void {
    this.insert.run(hash, holder);
  }

  remove(hash: string, holder: string): void {
    this.removeHolder.run(hash, holder);
  }

  holders(hash: string): string[] {
    return this.byHash.all(hash).map((r) => r.holder);
  }

  /** Shards that `holder` was known to hold. */
  shardsOf(holder: string): string[] {
    return this.byHolder.all(holder).map((r) => r.hash);
  }
}
