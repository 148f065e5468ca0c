import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getMeta,
  migrate,
  MIGRATIONS,
  openRelayDb,
  setMeta,
  type Migration,
} from '../../../node-relay/data/relay-db.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'peertree-db-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('relay.db', () => {
  it('opens in WAL mode at the latest schema version, with a meta table that survives reopening', () => {
    const path = join(tmp(), 'relay.db');
    const db = openRelayDb(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    setMeta(db, 'k', 'v1');
    setMeta(db, 'k', 'v2');
    db.close();
    const again = openRelayDb(path);
    expect(getMeta(again, 'k')).toBe('v2');
    expect(getMeta(again, 'missing')).toBeNull();
    again.close();
  });

  it('applies only pending migrations, in order, and refuses a newer schema', () => {
    const db = openRelayDb(join(tmp(), 'relay.db'));
    const next = MIGRATIONS.at(-1)!.version + 1;
    const extra: Migration = {
      version: next,
      description: 'test table',
      up: (d) => d.exec('CREATE TABLE t (x INTEGER) STRICT'),
    };
    expect(migrate(db, [...MIGRATIONS, extra])).toBe(next);
    expect(migrate(db, [...MIGRATIONS, extra])).toBe(next); // idempotent: nothing re-run
    expect(() => migrate(db, MIGRATIONS)).toThrow(/newer/);
    db.close();
  });

  it('rolls back a failing migration', () => {
    const db = openRelayDb(join(tmp(), 'relay.db'));
    const latest = MIGRATIONS.at(-1)!.version;
    const broken: Migration = {
      version: latest + 1,
      description: 'fails halfway',
      up: (d) => {
        d.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });
});
