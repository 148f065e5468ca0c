// Which relays hold each shard (as far as this relay knows): fetch hints and the input of repair.
import type { Database, Statement } from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_holders (
  hash   TEXT NOT NULL,
  holder TEXT NOT NULL,
  PRIMARY KEY (hash, holder)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS shard_holders_by_holder ON shard_holders (holder);
`;

export class HolderIndex {
  private readonly insert: Statement<[string, string]>;
  private readonly clear: Statement<[string]>;
  private readonly byHash: Statement<[string], { holder: string }>;
  private readonly byHolder: Statement<[string], { hash: string }>;
  private readonly removeHolder: Statement<[string, string]>;

  constructor(private readonly db: Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare('INSERT OR IGNORE INTO shard_holders (hash, holder) VALUES (?, ?)');
    this.clear = db.prepare('DELETE FROM shard_holders WHERE hash = ?');
    this.byHash = db.prepare('SELECT holder FROM shard_holders WHERE hash = ? ORDER BY holder');
    this.byHolder = db.prepare('SELECT hash FROM shard_holders WHERE holder = ?');
    this.removeHolder = db.prepare('DELETE FROM shard_holders WHERE hash = ? AND holder = ?');
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
