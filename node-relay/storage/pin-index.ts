// Who pinned each shard this relay holds: a shard stays while any pin stands, and is collected when none does.
import type { Database, Statement } from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_pins (
  hash  TEXT NOT NULL,
  owner TEXT NOT NULL,
  ts    INTEGER NOT NULL,
  sig   TEXT NOT NULL,
  PRIMARY KEY (hash, owner)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS shard_pins_by_owner ON shard_pins (owner);
`;

/** A pin as kept: `sig` is the owner's signature, or '' when a relay of the tree vouched for the owner. */
export interface PinRecord {
  readonly owner: string;
  readonly ts: number;
  readonly sig: string;
}

export class PinIndex {
  private readonly upsert: Statement<[string, string, number, string]>;
  private readonly select: Statement<[string], PinRecord>;
  private readonly one: Statement<[string, string], PinRecord>;
  private readonly remove: Statement<[string, string]>;
  private readonly removeAll: Statement<[string]>;
  private readonly usage: Statement<[string], { n: number }>;

  constructor(db: Database) {
    db.exec(SCHEMA);
    // A newer pin by the same owner replaces the older one; an older one never overwrites a newer one.
    this.upsert = db.prepare(
      'INSERT INTO shard_pins (hash, owner, ts, sig) VALUES (?, ?, ?, ?) ON CONFLICT (hash, owner) DO UPDATE SET ts = excluded.ts, sig = excluded.sig WHERE excluded.ts > shard_pins.ts',
    );
    this.select = db.prepare('SELECT owner, ts, sig FROM shard_pins WHERE hash = ? ORDER BY owner');
    this.one = db.prepare('SELECT owner, ts, sig FROM shard_pins WHERE hash = ? AND owner = ?');
    this.remove = db.prepare('DELETE FROM shard_pins WHERE hash = ? AND owner = ?');
    this.removeAll = db.prepare('DELETE FROM shard_pins WHERE hash = ?');
    this.usage = db.prepare('SELECT COUNT(*) AS n FROM shard_pins WHERE owner = ?');
  }

  add(hash: string, pin: PinRecord): void {
    this.upsert.run(hash, pin.owner, pin.ts, pin.sig);
  }

  pins(hash: string): PinRecord[] {
    return this.select.all(hash);
  }

  get(hash: string, owner: string): PinRecord | undefined {
    return this.one.get(hash, owner);
  }

  /** Removes `owner`'s pin; returns how many pins remain on the shard. */
  release(hash: string, owner: string): number {
    this.remove.run(hash, owner);
    return this.select.all(hash).length;
  }

  forget(hash: string): void {
    this.removeAll.run(hash);
  }

  /** Number of shards `owner` has pinned here (for quotas). */
  countOf(owner: string): number {
    return this.usage.get(owner)!.n;
  }
}
