// The pin index: one row per (shard, owner), replaced only by a newer pin of that owner, released only by that
// owner's newer release (which is remembered), and each owner charged the cost of what it pins.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PinIndex } from '../../../node-relay/replication/pin-index.ts';

const H = 'aa'.repeat(32);
const H2 = 'bb'.repeat(32);
const ALICE = '01'.repeat(32);
const BOB = '02'.repeat(32);
const SIG = 'cd'.repeat(64);

describe('PinIndex', () => {
  it('keeps one pin per owner, replaced only by a newer one, and charges its cost once', () => {
    const pins = new PinIndex(new Database(':memory:'));
    expect(pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120)).toBe('added');
    expect(pins.add(H, { owner: ALICE, ts: 5, sig: SIG }, 5120)).toBe('kept');
    expect(pins.add(H, { owner: ALICE, ts: 20, sig: SIG }, 5120)).toBe('replaced');
    expect(pins.get(H, ALICE)?.ts).toBe(20);
    expect(pins.usageOf(ALICE)).toEqual({ shards: 1, bytes: 5120 });
    expect(pins.add(H2, { owner: ALICE, ts: 1, sig: SIG }, 9216)).toBe('added');
    expect(pins.usageOf(ALICE)).toEqual({ shards: 2, bytes: 5120 + 9216 });
    expect(pins.usageOf(BOB)).toEqual({ shards: 0, bytes: 0 });
  });

  it('never keeps an unsigned pin', () => {
    const pins = new PinIndex(new Database(':memory:'));
    expect(() => pins.add(H, { owner: ALICE, ts: 10, sig: '' }, 5120)).toThrow(/signed/);
    expect(pins.pins(H)).toEqual([]);
  });

  it("releases one owner's pin, leaves the others, and refuses that owner's older pin afterwards", () => {
    const pins = new PinIndex(new Database(':memory:'));
    pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120);
    pins.add(H, { owner: BOB, ts: 10, sig: SIG }, 5120);
    expect(pins.release(H, ALICE, 30)).toBe(1);
    expect(pins.usageOf(ALICE)).toEqual({ shards: 0, bytes: 0 });
    expect(pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120)).toBe('released');
    expect(pins.add(H, { owner: ALICE, ts: 30, sig: SIG }, 5120)).toBe('released');
    expect(pins.add(H, { owner: ALICE, ts: 31, sig: SIG }, 5120)).toBe('added');
  });

  it('keeps the owner’s signature with each release, the newest release’s, to hand on; never an unsigned one', () => {
    const db = new Database(':memory:');
    const pins = new PinIndex(db);
    const SIG2 = 'ef'.repeat(64);
    pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120);
    pins.release(H, ALICE, 30, SIG);
    pins.release(H, ALICE, 20, SIG2); // older than the one kept: neither its time nor its signature replaces it
    pins.releaseEarly(H, BOB, 40, 50, SIG2);
    pins.releaseEarly(H2, BOB, 40, 50); // kept as a tombstone, but with no signature there is nothing to hand on
    expect(pins.signedReleases(H, 16)).toEqual([
      { op: 'unpin', hash: H, owner: BOB, ts: 40, sig: SIG2 },
      { op: 'unpin', hash: H, owner: ALICE, ts: 30, sig: SIG },
    ]);
    expect(pins.signedReleases(H, 1).map((r) => r.owner)).toEqual([BOB]);
    expect(pins.signedReleases(H2, 16)).toEqual([]);
    expect(new PinIndex(db).signedReleases(H, 16).length).toBe(2);
  });

  it('upgrades a release table from before signatures were kept: its tombstones still refuse older pins', () => {
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE shard_pin_releases (hash TEXT NOT NULL, owner TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (hash, owner)) WITHOUT ROWID',
    );
    db.prepare('INSERT INTO shard_pin_releases VALUES (?, ?, ?)').run(H, ALICE, 30);
    const pins = new PinIndex(db);
    expect(pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120)).toBe('released');
    expect(pins.signedReleases(H, 16)).toEqual([]);
  });

  it('reads the per-owner usage back when the database is opened again', () => {
    const db = new Database(':memory:');
    const first = new PinIndex(db);
    first.add(H, { owner: ALICE, ts: 1, sig: SIG }, 5120);
    first.add(H2, { owner: ALICE, ts: 1, sig: SIG }, 5120);
    expect(new PinIndex(db).usageOf(ALICE)).toEqual({ shards: 2, bytes: 10240 });
  });

  it('upgrades an older database: its unsigned pins are kept, never forwarded, and yield to a signed pin of their owner', () => {
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE shard_pins (hash TEXT NOT NULL, owner TEXT NOT NULL, ts INTEGER NOT NULL, sig TEXT NOT NULL, PRIMARY KEY (hash, owner)) WITHOUT ROWID',
    );
    db.prepare('INSERT INTO shard_pins VALUES (?, ?, ?, ?)').run(H, ALICE, 9_999_999_999_999, '');
    const pins = new PinIndex(db);
    expect(pins.pins(H).length).toBe(1);
    expect(pins.signedPins(H)).toEqual([]);
    expect(pins.add(H, { owner: ALICE, ts: 5, sig: SIG }, 5120)).toBe('replaced');
    expect(pins.signedPins(H)).toEqual([{ owner: ALICE, ts: 5, sig: SIG }]);
  });

  it('remembers a release that came before any pin, so that an older pin arriving later is refused', () => {
    const pins = new PinIndex(new Database(':memory:'));
    expect(pins.releaseEarly(H, ALICE, 30, 40)).toBe(true);
    expect(pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120)).toBe('released');
    expect(pins.add(H, { owner: BOB, ts: 10, sig: SIG }, 5120)).toBe('added');
    expect(pins.add(H, { owner: ALICE, ts: 31, sig: SIG }, 5120)).toBe('added');
    expect(pins.usageOf(ALICE)).toEqual({ shards: 1, bytes: 5120 });
  });

  it('keeps early releases bounded in number (oldest dropped first) and in age', () => {
    const pins = new PinIndex(new Database(':memory:'), { maxEntries: 3, maxAgeMs: 1000 });
    const hash = (i: number) => i.toString(16).padStart(64, '0');
    // Too old at arrival: not kept, and a pin older still is taken.
    expect(pins.releaseEarly(H, ALICE, 100, 5000)).toBe(false);
    expect(pins.add(H, { owner: ALICE, ts: 50, sig: SIG }, 5120)).toBe('added');
    for (let i = 1; i <= 4; i++) expect(pins.releaseEarly(hash(i), ALICE, 4000 + i, 5000)).toBe(true);
    // Four for a bound of three: the oldest (1) is forgotten, the three newest still refuse older pins.
    expect(pins.add(hash(1), { owner: ALICE, ts: 1, sig: SIG }, 5120)).toBe('added');
    for (let i = 2; i <= 4; i++) expect(pins.add(hash(i), { owner: ALICE, ts: 1, sig: SIG }, 5120)).toBe('released');
    // Past the age bound, the next early release drops the expired ones first.
    expect(pins.releaseEarly(hash(5), BOB, 9000, 9500)).toBe(true);
    expect(pins.releaseEarly(hash(6), BOB, 9001, 9500)).toBe(true);
    expect(pins.releaseEarly(hash(7), BOB, 9002, 9500)).toBe(true);
    expect(pins.releaseEarly(hash(8), BOB, 9003, 9500)).toBe(true);
    expect(pins.add(hash(2), { owner: ALICE, ts: 1, sig: SIG }, 5120)).toBe('added');
    expect(pins.add(hash(5), { owner: BOB, ts: 1, sig: SIG }, 5120)).toBe('added');
    expect(pins.add(hash(8), { owner: BOB, ts: 1, sig: SIG }, 5120)).toBe('released');
  });

  it('does not count a release of a pin it held as an early one, nor lets an early one weaken it', () => {
    const pins = new PinIndex(new Database(':memory:'), { maxEntries: 1, maxAgeMs: 1000 });
    pins.add(H, { owner: ALICE, ts: 10, sig: SIG }, 5120);
    pins.release(H, ALICE, 20);
    expect(pins.releaseEarly(H2, ALICE, 4000, 4500)).toBe(true);
    expect(pins.releaseEarly('cc'.repeat(32), ALICE, 4001, 4500)).toBe(true);
    // The held release (ts 20, long past the age bound) stays: only early ones are bounded.
    expect(pins.add(H, { owner: ALICE, ts: 15, sig: SIG }, 5120)).toBe('released');
    expect(pins.add(H2, { owner: ALICE, ts: 1, sig: SIG }, 5120)).toBe('added');
  });
});
