// Which relays hold each shard (as far as this relay knows): fetch hints and the input of repair.
//
// For shards, only first-hand knowledge goes in (node-relay/replication/shard-repairer.ts): this relay itself, a relay's
// own signed claim about itself ("I hold H" in its `shard.holders` or its reply to a `shard.put`), and the
// holders that passed this relay's last audit of the shard, which replace the set at every sweep. A set of
// holders one relay sends about others is never stored. A claim is only a hint (where to look, whom to audit):
// repair counts a relay as a holder only after it passed an audit.
import type { Database, Statement } from 'better-sqlite3';

function schema(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  hash   TEXT NOT NULL,
  holder TEXT NOT NULL,
  PRIMARY KEY (hash, holder)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ${table}_by_holder ON ${table} (holder);
CREATE TABLE IF NOT EXISTS ${table}_target (
  hash TEXT PRIMARY KEY,
  n    INTEGER NOT NULL
) WITHOUT ROWID;
`;
}

export class HolderIndex {
  private readonly insert: Statement<[string, string]>;
  private readonly clear: Statement<[string]>;
  private readonly byHash: Statement<[string], { holder: string }>;
  private readonly byHolder: Statement<[string], { hash: string }>;
  private readonly removeHolder: Statement<[string, string]>;
  private readonly removeEverywhere: Statement<[string]>;
  private readonly putTarget: Statement<[string, number]>;
  private readonly getTarget: Statement<[string], { n: number }>;

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
    this.removeEverywhere = db.prepare(`DELETE FROM ${table} WHERE holder = ?`);
    this.putTarget = db.prepare(
      `INSERT INTO ${table}_target (hash, n) VALUES (?, ?) ON CONFLICT (hash) DO UPDATE SET n = excluded.n`,
    );
    this.getTarget = db.prepare(`SELECT n FROM ${table}_target WHERE hash = ?`);
  }

  /** The replica count the item was stored with: what repair restores, whatever the holder set shrank to. */
  setTarget(hash: string, n: number): void {
    this.putTarget.run(hash, n);
  }

  target(hash: string): number | null {
    return this.getTarget.get(hash)?.n ?? null;
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

  /** Forgets `holder` for every item (it left the tree). */
  forgetHolder(holder: string): void {
    this.removeEverywhere.run(holder);
  }

  holders(hash: string): string[] {
    return this.byHash.all(hash).map((r) => r.holder);
  }

  /** Shards that `holder` was known to hold. */
  shardsOf(holder: string): string[] {
    return this.byHolder.all(holder).map((r) => r.hash);
  }
}
