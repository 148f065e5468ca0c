// Who pinned each shard this relay holds: a shard stays while any pin stands, and is collected when none does.
//
// Every pin kept is its owner's signed statement (core/storage/pin.ts), checked before it reaches this index: a
// pin can only be replaced by a newer one of the same owner (the row is keyed by shard and owner) and released by
// that owner's newer signed release. A release leaves a tombstone (its ts), so that an older pin of that owner,
// replayed by a relay that kept a copy, is not taken again. A release that comes before any pin of that owner
// (it overtook the copy it releases) leaves an "early" tombstone too, bounded in number and age (core/limits.ts
// MAX_EARLY_RELEASES, EARLY_RELEASE_MAX_AGE_MS), so that the late copy is refused. Each pin charges its owner the shard's cost (blocks and
// metadata, see FileShardStore.costOf); the per-owner totals are kept in memory, read once at open. A tombstone
// keeps the owner's signature over its release (`sig`; '' for rows from before it was kept), so that the relay
// can hand the owner's own statement to a holder that missed the release (see ShardAudits.onAudit).
import type { Database, Statement } from 'better-sqlite3';
import { EARLY_RELEASE_MAX_AGE_MS, MAX_EARLY_RELEASES } from '../../core/limits.ts';
import type { PinRecord, PinStatement } from '../../core/storage/pin.ts';

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

/** Bounds of the early releases kept (defaults from core/limits.ts; tests use small ones). */
export interface EarlyReleaseBounds {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
}

/** The outcome of PinIndex.add. */
export type PinAdded = 'added' | 'replaced' | 'kept' | 'released';

export class PinIndex {
  private readonly upsert: Statement<[string, string, number, string, number]>;
  private readonly select: Statement<[string], PinRecord>;
  private readonly one: Statement<[string, string], PinRecord & { cost: number }>;
  private readonly remove: Statement<[string, string]>;
  private readonly removeAll: Statement<[string]>;
  private readonly tombstone: Statement<[string, string, number, string]>;
  private readonly signedTombstones: Statement<[string, number], { owner: string; ts: number; sig: string }>;
  private readonly releasedAt: Statement<[string, string], { ts: number; early: number }>;
  private readonly usageRows: Statement<[], { owner: string; shards: number; bytes: number | null }>;
  private readonly byOwner: Statement<[string, string, number], { hash: string; ts: number; cost: number }>;
  private readonly usage = new Map<string, { shards: number; bytes: number }>();
  private readonly earlyTombstone: Statement<[string, string, number, string]>;
  private readonly earlyExpired: Statement<[number]>;
  private readonly earlyOldest: Statement<[number]>;
  private readonly earlyRows: Statement<[], { n: number }>;
  /** Early tombstones (early = 1) stored: counted once at open, then kept in step. */
  private early = 0;

  constructor(
    private readonly db: Database,
    private readonly bounds: EarlyReleaseBounds = {
      maxEntries: MAX_EARLY_RELEASES,
      maxAgeMs: EARLY_RELEASE_MAX_AGE_MS,
    },
  ) {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(shard_pins)').all();
    if (!columns.some((c) => c.name === 'cost'))
      db.exec('ALTER TABLE shard_pins ADD COLUMN cost INTEGER NOT NULL DEFAULT 0');
    const releaseColumns = db.prepare<[], { name: string }>('PRAGMA table_info(shard_pin_releases)').all();
    if (!releaseColumns.some((c) => c.name === 'early'))
      db.exec('ALTER TABLE shard_pin_releases ADD COLUMN early INTEGER NOT NULL DEFAULT 0');
    if (!releaseColumns.some((c) => c.name === 'sig'))
      db.exec("ALTER TABLE shard_pin_releases ADD COLUMN sig TEXT NOT NULL DEFAULT ''");
    db.exec('CREATE INDEX IF NOT EXISTS shard_pin_releases_early ON shard_pin_releases (early, ts)');
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
    // The signature goes with the time it signs: the newer release's, whichever that is.
    this.tombstone = db.prepare(
      `INSERT INTO shard_pin_releases (hash, owner, ts, sig) VALUES (?, ?, ?, ?) ON CONFLICT (hash, owner) DO UPDATE
       SET sig = CASE WHEN excluded.ts >= shard_pin_releases.ts THEN excluded.sig ELSE shard_pin_releases.sig END,
       ts = MAX(excluded.ts, shard_pin_releases.ts), early = 0`,
    );
    // An early tombstone never downgrades a release of a pin this relay held (early = 0 stays 0).
    this.earlyTombstone = db.prepare(
      `INSERT INTO shard_pin_releases (hash, owner, ts, sig, early) VALUES (?, ?, ?, ?, 1) ON CONFLICT (hash, owner)
       DO UPDATE SET ts = excluded.ts, sig = excluded.sig WHERE excluded.ts > shard_pin_releases.ts`,
    );
    this.signedTombstones = db.prepare(
      `SELECT owner, ts, sig FROM shard_pin_releases WHERE hash = ? AND sig != '' ORDER BY ts DESC LIMIT ?`,
    );
    this.earlyExpired = db.prepare('DELETE FROM shard_pin_releases WHERE early = 1 AND ts < ?');
    this.earlyOldest = db.prepare(
      `DELETE FROM shard_pin_releases WHERE early = 1 AND (hash, owner) IN
       (SELECT hash, owner FROM shard_pin_releases WHERE early = 1 ORDER BY ts LIMIT ?)`,
    );
    this.earlyRows = db.prepare('SELECT COUNT(*) AS n FROM shard_pin_releases WHERE early = 1');
    this.releasedAt = db.prepare('SELECT ts, early FROM shard_pin_releases WHERE hash = ? AND owner = ?');
    this.usageRows = db.prepare('SELECT owner, COUNT(*) AS shards, SUM(cost) AS bytes FROM shard_pins GROUP BY owner');
    // The owner index holds the key's other column (hash) too: a page is one ordered index range.
    this.byOwner = db.prepare(
      'SELECT hash, ts, cost FROM shard_pins WHERE owner = ? AND hash > ? ORDER BY hash LIMIT ?',
    );
    for (const r of this.usageRows.all()) this.usage.set(r.owner, { shards: r.shards, bytes: r.bytes ?? 0 });
    this.early = this.earlyRows.get()?.n ?? 0;
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
  release(hash: string, owner: string, ts: number, sig = ''): number {
    return this.db.transaction(() => {
      const before = this.one.get(hash, owner);
      // An early tombstone of this owner becomes an ordinary one (a pin was held here after all): not counted.
      if (this.releasedAt.get(hash, owner)?.early === 1) this.early--;
      this.tombstone.run(hash, owner, ts, sig);
      if (before && this.remove.run(hash, owner).changes > 0) this.charge(owner, -1, -before.cost);
      return this.select.all(hash).length;
    })();
  }

  /**
   * Remembers `owner`'s signed release of `hash` that came while this relay holds no pin of that owner on it (the
   * copy it releases is still on its way): a copy arriving later with an older pin is then refused by `add`.
   * Bounded (`bounds`): those older than maxAgeMs before `nowMs` are dropped, and past maxEntries the oldest go
   * first. Returns false when the release is already too old to be kept.
   */
  releaseEarly(hash: string, owner: string, ts: number, nowMs: number, sig = ''): boolean {
    const cutoff = nowMs - this.bounds.maxAgeMs;
    const max = this.bounds.maxEntries;
    if (ts < cutoff) return false;
    this.db.transaction(() => {
      const before = this.releasedAt.get(hash, owner);
      this.earlyTombstone.run(hash, owner, ts, sig);
      if (!before) this.early++;
      if (this.early > max) {
        this.early -= this.earlyExpired.run(cutoff).changes;
        if (this.early > max) this.early -= this.earlyOldest.run(this.early - max).changes;
      }
    })();
    return true;
  }

  /**
   * The owners' signed releases of `hash` remembered here, newest first, at most `limit`: statements a relay only
   * passes on (whoever gets one checks the owner's signature and that it is newer than the pin it holds).
   */
  signedReleases(hash: string, limit: number): PinStatement[] {
    return this.signedTombstones
      .all(hash, limit)
      .map((r) => ({ op: 'unpin', hash, owner: r.owner, ts: r.ts, sig: r.sig }));
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
