// What survives a gateway restart of its progressive joins (in the object index's sqlite): a join ended at stop
// keeps its file's capability and entries, so Complete after the restart reads the joined parts back as ranges;
// the shards of a join's put are noted as they are sent, so those of a put cut short (a crash) are released at start.
import type Database from 'better-sqlite3';
import type { JoinedEntry } from './join-plan.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS saved_joins (
  upload_id TEXT PRIMARY KEY NOT NULL, capability TEXT NOT NULL, entries TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS join_shards (upload_id TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (upload_id, hash)) STRICT;
`;

export interface SavedJoin {
  readonly capability: string;
  readonly entries: readonly JoinedEntry[];
}

/** What start-up found orphaned: joined files no upload needs, and shards of joins whose put never ended. */
export interface JoinOrphans {
  readonly capabilities: string[];
  readonly shards: string[];
  /** Part rows that named a join's bytes lost with it (dropped: ListParts no longer lists them). */
  readonly lostParts: number;
}

export class SavedJoins {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  /** The joined file of an upload whose join ended at a stop, if any. */
  get(uploadId: string): SavedJoin | undefined {
    const row = this.db.prepare('SELECT capability, entries FROM saved_joins WHERE upload_id = ?').get(uploadId) as
      { capability: string; entries: string } | undefined;
    return row && { capability: row.capability, entries: JSON.parse(row.entries) as JoinedEntry[] };
  }

  /** Whether the upload has a join saved at a stop (without reading its entries: asked for every part). */
  has(uploadId: string): boolean {
    return this.db.prepare('SELECT 1 FROM saved_joins WHERE upload_id = ?').get(uploadId) !== undefined;
  }

  /** Keeps a join ended at a stop; its shards are now its file's (released with it). */
  save(uploadId: string, capability: string, entries: readonly JoinedEntry[]): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO saved_joins (upload_id, capability, entries) VALUES (?, ?, ?)')
        .run(uploadId, capability, JSON.stringify(entries));
      this.forgetShards(uploadId);
    })();
  }

  /** Notes a shard a join's put is sending (before it is sent). */
  shardSent(uploadId: string, hash: string): void {
    this.db.prepare('INSERT OR IGNORE INTO join_shards (upload_id, hash) VALUES (?, ?)').run(uploadId, hash);
  }

  /** The put ended (its file covers the shards, or it took them back itself). */
  forgetShards(uploadId: string): void {
    this.db.prepare('DELETE FROM join_shards WHERE upload_id = ?').run(uploadId);
  }

  /** The upload ended (Complete or Abort): its saved joined file to release, if any. */
  drop(uploadId: string): string[] {
    return this.db.transaction(() => {
      const saved = this.db
        .prepare('DELETE FROM saved_joins WHERE upload_id = ? RETURNING capability')
        .get(uploadId) as { capability: string } | undefined;
      this.forgetShards(uploadId);
      return saved ? [saved.capability] : [];
    })();
  }

  /** At start (no join is open yet): takes out everything a stop or a crash left that nothing can use. */
  orphans(): JoinOrphans {
    return this.db.transaction(() => {
      const shards = (this.db.prepare('SELECT DISTINCT hash FROM join_shards').all() as { hash: string }[]).map(
        (r) => r.hash,
      );
      this.db.prepare('DELETE FROM join_shards').run();
      const gone = this.db
        .prepare('DELETE FROM saved_joins WHERE upload_id NOT IN (SELECT id FROM uploads) RETURNING capability')
        .all() as { capability: string }[];
      const lost = this.db
        .prepare(
          "DELETE FROM upload_parts WHERE capability LIKE 'joined:%' AND upload_id NOT IN (SELECT upload_id FROM saved_joins)",
        )
        .run().changes;
      return { capabilities: gone.map((g) => g.capability), shards, lostParts: lost };
    })();
  }
}
