// The gateway's index (better-sqlite3, $PEERTREE_HOME/s3-index.sqlite): buckets, keys → the capabilities of their
// bytes, S3 metadata, and multipart state. A row is written only once its bytes are stored: never a partial object.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

export interface StoredPart {
  readonly capability: string;
  readonly size: number;
}

export interface ObjectRow {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType: string;
  readonly meta: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch of the put that made it. */
  readonly mtime: number;
  /** The object's bytes: one file for a single PUT, the parts in order for a multipart upload. */
  readonly parts: readonly StoredPart[];
}

export interface UploadRow {
  readonly id: string;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly created: number;
}

export interface PartRow extends StoredPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly mtime: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY NOT NULL, created INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, content_type TEXT NOT NULL,
  meta TEXT NOT NULL, mtime INTEGER NOT NULL, PRIMARY KEY (bucket, key)) STRICT;
CREATE TABLE IF NOT EXISTS object_parts (
  bucket TEXT NOT NULL, key TEXT NOT NULL, idx INTEGER NOT NULL, capability TEXT NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (bucket, key, idx)) STRICT;
CREATE INDEX IF NOT EXISTS object_parts_cap ON object_parts (capability);
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, content_type TEXT NOT NULL, meta TEXT NOT NULL,
  created INTEGER NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS uploads_key ON uploads (bucket, key, id);
CREATE TABLE IF NOT EXISTS upload_parts (
  upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, capability TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, mtime INTEGER NOT NULL, PRIMARY KEY (upload_id, part_number)) STRICT;
CREATE INDEX IF NOT EXISTS upload_parts_cap ON upload_parts (capability);
`;

interface RawObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  content_type: string;
  meta: string;
  mtime: number;
}

export interface MirroredObject {
  readonly bucket: string;
  readonly key: string;
  readonly capability: string;
  readonly size: number;
  readonly contentType: string;
  readonly mtime: number;
}

export class ObjectIndex {
  readonly db: Database.Database;
  /** Called after every change to buckets or objects (the library mirror follows it). */
  onChange: (() => void) | null = null;

  private changed<T>(value: T): T {
    this.onChange?.();
    return value;
  }

  constructor(path: string) {
    if (path !== ':memory:') {
      closeSync(openSync(path, 'a', 0o600));
      for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  createBucket(name: string, now: number): boolean {
    return this.changed(
      this.db.prepare('INSERT OR IGNORE INTO buckets (name, created) VALUES (?, ?)').run(name, now).changes === 1,
    );
  }

  hasBucket(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM buckets WHERE name = ?').get(name) !== undefined;
  }

  listBuckets(): { name: string; created: number }[] {
    return this.db.prepare('SELECT name, created FROM buckets ORDER BY name').all() as {
      name: string;
      created: number;
    }[];
  }

  /** 'missing', 'not-empty' (objects or uploads in progress), or 'deleted'. */
  deleteBucket(name: string): 'missing' | 'not-empty' | 'deleted' {
    return this.changed(
      this.db.transaction(() => {
        if (!this.hasBucket(name)) return 'missing' as const;
        if (
          this.db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(name) ||
          this.db.prepare('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1').get(name)
        )
          return 'not-empty' as const;
        this.db.prepare('DELETE FROM buckets WHERE name = ?').run(name);
        return 'deleted' as const;
      })(),
    );
  }

  private parts(bucket: string, key: string): StoredPart[] {
    return this.db
      .prepare('SELECT capability, size FROM object_parts WHERE bucket = ? AND key = ? ORDER BY idx')
      .all(bucket, key) as StoredPart[];
  }

  private toRow(raw: RawObject, withParts: boolean): ObjectRow {
    return {
      bucket: raw.bucket,
      key: raw.key,
      size: raw.size,
      etag: raw.etag,
      contentType: raw.content_type,
      meta: JSON.parse(raw.meta) as Record<string, string>,
      mtime: raw.mtime,
      parts: withParts ? this.parts(raw.bucket, raw.key) : [],
    };
  }

  getObject(bucket: string, key: string): ObjectRow | null {
    const raw = this.db.prepare('SELECT * FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as
      RawObject | undefined;
    return raw ? this.toRow(raw, true) : null;
  }

  /** Keys of `bucket` after `after` (exclusive, '' for the start) starting with `prefix`, in S3's (UTF-8 byte) order. */
  listObjects(bucket: string, prefix: string, after: string, limit: number): ObjectRow[] {
    const rows = this.db
      .prepare('SELECT * FROM objects WHERE bucket = ? AND key > ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?')
      .all(bucket, after, [...prefix].length, prefix, limit) as RawObject[];
    return rows.map((r) => this.toRow(r, false));
  }

  private unreferenced(capabilities: Iterable<string>): string[] {
    const count = this.db.prepare(
      'SELECT (SELECT count(*) FROM object_parts WHERE capability = ?) + (SELECT count(*) FROM upload_parts WHERE capability = ?) AS n',
    );
    return [...new Set(capabilities)].filter((c) => (count.get(c, c) as { n: number }).n === 0);
  }

  private removeObject(bucket: string, key: string): string[] {
    const old = this.parts(bucket, key).map((p) => p.capability);
    this.db.prepare('DELETE FROM object_parts WHERE bucket = ? AND key = ?').run(bucket, key);
    this.db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?').run(bucket, key);
    return old;
  }

  private insertObject(row: ObjectRow): void {
    this.db
      .prepare('INSERT INTO objects (bucket, key, size, etag, content_type, meta, mtime) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.bucket, row.key, row.size, row.etag, row.contentType, JSON.stringify(row.meta), row.mtime);
    const part = this.db.prepare(
      'INSERT INTO object_parts (bucket, key, idx, capability, size) VALUES (?, ?, ?, ?, ?)',
    );
    row.parts.forEach((p, i) => part.run(row.bucket, row.key, i, p.capability, p.size));
  }

  /** Makes `row` the object at its key (replacing any); returns the capabilities nothing references any more. */
  putObject(row: ObjectRow): string[] {
    return this.changed(
      this.db.transaction(() => {
        const old = this.removeObject(row.bucket, row.key);
        this.insertObject(row);
        return this.unreferenced(old);
      })(),
    );
  }

  /** Removes the object (absent is fine, as in S3); returns the capabilities nothing references any more. */
  deleteObject(bucket: string, key: string): string[] {
    return this.changed(this.db.transaction(() => this.unreferenced(this.removeObject(bucket, key)))());
  }

  createUpload(upload: UploadRow): void {
    this.db
      .prepare('INSERT INTO uploads (id, bucket, key, content_type, meta, created) VALUES (?, ?, ?, ?, ?, ?)')
      .run(upload.id, upload.bucket, upload.key, upload.contentType, JSON.stringify(upload.meta), upload.created);
  }

  getUpload(id: string): UploadRow | null {
    const raw = this.db.prepare('SELECT * FROM uploads WHERE id = ?').get(id) as
      { id: string; bucket: string; key: string; content_type: string; meta: string; created: number } | undefined;
    return raw
      ? {
          id: raw.id,
          bucket: raw.bucket,
          key: raw.key,
          contentType: raw.content_type,
          meta: JSON.parse(raw.meta) as Record<string, string>,
          created: raw.created,
        }
      : null;
  }

  /** Uploads in progress in `bucket` under `prefix`, after (keyMarker, uploadIdMarker), in key then id order. */
  listUploads(bucket: string, prefix: string, keyMarker: string, uploadIdMarker: string, limit: number): UploadRow[] {
    const rows = this.db
      .prepare(
        'SELECT id FROM uploads WHERE bucket = ? AND substr(key, 1, ?) = ? AND (key > ? OR (key = ? AND id > ?)) ORDER BY key, id LIMIT ?',
      )
      .all(bucket, [...prefix].length, prefix, keyMarker, keyMarker, uploadIdMarker, limit) as { id: string }[];
    return rows.map((r) => this.getUpload(r.id)!);
  }

  /** Records a stored part (replacing one with its number); returns capabilities nothing references any more. */
  putPart(uploadId: string, part: PartRow): string[] {
    return this.db.transaction(() => {
      const old = this.db
        .prepare('SELECT capability FROM upload_parts WHERE upload_id = ? AND part_number = ?')
        .get(uploadId, part.partNumber) as { capability: string } | undefined;
      this.db
        .prepare(
          'INSERT OR REPLACE INTO upload_parts (upload_id, part_number, capability, size, etag, mtime) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(uploadId, part.partNumber, part.capability, part.size, part.etag, part.mtime);
      return old ? this.unreferenced([old.capability]) : [];
    })();
  }

  listParts(uploadId: string, after = 0, limit = 100_000): PartRow[] {
    return this.db
      .prepare(
        'SELECT part_number AS partNumber, capability, size, etag, mtime FROM upload_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
      )
      .all(uploadId, after, limit) as PartRow[];
  }

  private dropUpload(uploadId: string): string[] {
    const caps = this.listParts(uploadId).map((p) => p.capability);
    this.db.prepare('DELETE FROM upload_parts WHERE upload_id = ?').run(uploadId);
    this.db.prepare('DELETE FROM uploads WHERE id = ?').run(uploadId);
    return caps;
  }

  /** Ends an upload without an object; returns the capabilities nothing references any more. */
  abortUpload(uploadId: string): string[] {
    return this.db.transaction(() => this.unreferenced(this.dropUpload(uploadId)))();
  }

  /** Makes `row` (built of some of the upload's parts) the object and ends the upload, in one transaction. */
  completeUpload(uploadId: string, row: ObjectRow): string[] {
    return this.changed(
      this.db.transaction(() => {
        const old = this.removeObject(row.bucket, row.key);
        const parts = this.dropUpload(uploadId);
        this.insertObject(row);
        return this.unreferenced([...old, ...parts]);
      })(),
    );
  }

  /** Objects stored as one file (a single PUT or a copy of one), by bucket then key: what the library mirrors. */
  singleFileObjects(limit: number): MirroredObject[] {
    return this.db
      .prepare(
        `SELECT o.bucket AS bucket, o.key AS key, min(p.capability) AS capability, o.size AS size, o.content_type AS contentType, o.mtime AS mtime
         FROM objects o JOIN object_parts p ON p.bucket = o.bucket AND p.key = o.key
         GROUP BY o.bucket, o.key HAVING count(*) = 1 ORDER BY o.bucket, o.key LIMIT ?`,
      )
      .all(limit) as MirroredObject[];
  }
}
