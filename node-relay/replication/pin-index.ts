// Who pinned each shard this relay holds: a shard stays while any pin stands, and is collected when none does.
//
// Every pin kept is its owner's signed statement (core/storage/pin.ts), checked before it reaches this index: a
// pin can only be replaced by a newer one of the same owner (the row is keyed by shard and owner) and released by
// that owner's newer signed release. A release leaves a tombstone (its ts), so that an older pin of that owner,
// replayed by a relay that kept a copy, is not taken again. Each pin charges its owner the shard's cost (blocks and
// metadata, see FileShardStore.costOf); the per-owner totals are kept in memory, read once at open.
import type { Database, Statement } from 'better-sqlite3';
import type { PinRecord } from '../../core/storage/pin.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_pins (
  hash  TEXT NOT NULL,
  owner TEXT NOT NULL,
  ts    INTEGER NOT NULL,
  sig   TEXT NOT NULL,
  PRIMARY KEY (hash, owner)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS shard_pins_by_owner ON shard_pins (owner);
CREATE TABLE IF NOT EXISTS shard_pin_releases (
  hash  TEXT NOT NULL,
  owner TEXT NOT NULL,
  ts    INTEGER NOT NULL,
  PRIMARY KEY (hash, owner)
) WITHOUT ROWID;
`;

/** What one owner has pinned on this relay: shards, and their cost in bytes. */
export interface PinUsage {
  readonly shards: number;
  readonly bytes: number;
}

/** The outcome of PinIndex.add. */
export type PinAdded = 'added' | 'replaced' | 'kept' | 'released';

export class PinIndex {
  private readonly upsert: Statement<[string, string, number, string, number]>;
  private readonly select: Statement<[string], PinRecord>;
  private readonly one: Statement<[string, string], PinRecord & { cost: number }>;
  private readonly remove: Statement<[string, string]>;
  private readonly removeAll: Statement<[string]>;
  private readonly tombstone: Statement<[string, string, number]>;
  private readonly releasedAt: Statement<[string, string], { ts: number }>;
  private readonly usageRows: Statement<[], { owner: string; shards: number; bytes: number | null }>;
  private readonly byOwner: Statement<[string, string, number], { hash: string; ts: number; cost: number }>;
  private readonly usage = new Map<string, { shards: number; bytes: number }>();

  constructor(private readonly db: Database) {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(shard_pins)').all();
    if (!columns.some((c) => c.name === 'cost'))
      db.exec('ALTER TABLE shard_pins ADD COLUMN cost INTEGER NOT NULL DEFAULT 0');
    // A newer pin by the same owner replaces the older one (and a signed one an unsigned one of older releases);
    // an older one never overwrites a newer one.
    this.upsert = db.prepare(
      `INSERT INTO shard_pins (hash, owner, ts, sig, cost) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash, owner) DO UPDATE
       SET ts = excluded.ts, sig = excluded.sig, cost = excluded.cost WHERE excluded.ts > shard_pins.ts OR shard_pins.sig = ''`,
    );
    this.select = db.prepare('SELECT owner, ts, sig FROM shard_pins WHERE hash = ? ORDER BY owner');
    this.one = db.prepare('SELECT owner, ts, sig, cost FROM shard_pins WHERE hash = ? AND owner = ?');
    this.remove = db.prepare('DELETE FROM shard_pins WHERE hash = ? AND owner = ?');
    this.removeAll = db.prepare('DELETE FROM shard_pins WHERE hash = ?');
    this.tombstone = db.prepare(
      'INSERT INTO shard_pin_releases (hash, owner, ts) VALUES (?, ?, ?) ON CONFLICT (hash, owner) DO UPDATE SET ts = excluded.ts WHERE excluded.ts > shard_pin_releases.ts',
    );
    this.releasedAt = db.prepare('SELECT ts FROM shard_pin_releases WHERE hash = ? AND owner = ?');
    this.usageRows = db.prepare('SELECT owner, COUNT(*) AS shards, SUM(cost) AS bytes FROM shard_pins GROUP BY owner');
    // The owner index holds the key's other column (hash) too: a page is one ordered index range.
    this.byOwner = db.prepare(
      'SELECT hash, ts, cost FROM shard_pins WHERE owner = ? AND hash > ? ORDER BY hash LIMIT ?',
    );
    for (const r of this.usageRows.all()) this.usage.set(r.owner, { shards: r.shards, bytes: r.bytes ?? 0 });
  }

  /**
   * Keeps `pin` (a signed pin, already verified) on `hash`, charging its owner `cost` bytes. Returns 'added' for a
   * new pin, 'replaced' for a newer pin of the same owner, 'kept' when the stored one is as new or newer, and
   * 'released' when the owner released the shard after this pin was signed (a replay: nothing kept).
   */
  add(hash: string, pin: PinRecord, cost: number): PinAdded {
    if (pin.sig === '') throw new Error('only signed pins are kept');
    return this.db.transaction((): PinAdded => {
      const released = this.releasedAt.get(hash, pin.owner);
      if (released && released.ts >= pin.ts) return 'released';
      const before = this.one.get(hash, pin.owner);
      if (this.upsert.run(hash, pin.owner, pin.ts, pin.sig, cost).changes === 0) return 'kept';
      this.charge(pin.owner, before ? 0 : 1, cost - (before?.cost ?? 0));
      return before ? 'replaced' : 'added';
    })();
  }

  pins(hash: string): PinRecord[] {
    return this.select.all(hash);
  }

  /** The signed pins of `hash`: the only ones a relay forwards (to new holders on repair). */
  signedPins(hash: string): PinRecord[] {
    return this.select.all(hash).filter((p) => p.sig !== '');
  }

  get(hash: string, owner: string): PinRecord | undefined {
    const row = this.one.get(hash, owner);
    return row ? { owner: row.owner, ts: row.ts, sig: row.sig } : undefined;
  }

  /**
   * Removes `owner`'s pin, remembering the release's `ts` (no older pin of that owner is taken again); returns how
   * many pins remain on the shard.
   */
  release(hash: string, owner: string, ts: number): number {
    return this.db.transaction(() => {
      const before = this.one.get(hash, owner);
      this.tombstone.run(hash, owner, ts);
      if (before && this.remove.run(hash, owner).changes > 0) this.charge(owner, -1, -before.cost);
      return this.select.all(hash).length;
    })();
  }

  forget(hash: string): void {
    this.db.transaction(() => {
      for (const p of this.select.all(hash)) this.charge(p.owner, -1, -(this.one.get(hash, p.owner)?.cost ?? 0));
      this.removeAll.run(hash);
    })();
  }

  /** Up to `limit` of `owner`'s pins here, in hash order after `after` ('' from the start): `peertree ls`. */
  pinsOf(owner: string, after: string, limit: number): { hash: string; ts: number; cost: number }[] {
    return this.byOwner.all(owner, after, limit);
  }

  /** Shards and bytes `owner` has pinned here (for quotas). */
  usageOf(owner: string): PinUsage {
    return this.usage.get(owner) ?? { shards: 0, bytes: 0 };
  }

  /** Number of shards `owner` has pinned here (for quotas). */
  countOf(owner: string): number {
    return this.usageOf(owner).shards;
  }

  private charge(owner: string, shards: number, bytes: number): void {
    const u = this.usage.get(owner) ?? { shards: 0, bytes: 0 };
    u.shards += shards;
    u.bytes += bytes;
    if (u.shards <= 0) this.usage.delete(owner);
    else this.usage.set(owner, u);
  }
}
