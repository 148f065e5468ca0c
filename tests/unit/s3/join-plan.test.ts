// The progressive join's states: turns of parts in and out of order, a part uploaded twice, a Complete naming other
// parts than were joined (the full rejoin), Abort mid-join and the idle timeout (the join over a store stand-in).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { S3_JOIN_IDLE_MS } from '../../../core/limits.ts';
import {
  completePlan,
  joinMarker,
  rejoinSlices,
  turnOf,
  type ChosenPart,
  type JoinedEntry,
} from '../../../node-relay/s3/join-plan.ts';
import { Join } from '../../../node-relay/s3/progressive-join.ts';
import type { PeerTreeStore } from '../../../node-relay/s3/peertree-store.ts';

const open = { closed: false, busy: false, waiting: false };
const id = 'u1';
const entry = (n: number, offset: number, size = 10): JoinedEntry => ({
  partNumber: n,
  etag: `e${n}`,
  size,
  offset,
  source: joinMarker(id, n),
});
const joinedPart = (n: number, size = 10): ChosenPart => ({
  partNumber: n,
  capability: joinMarker(id, n),
  size,
  etag: `e${n}`,
});
const storedPart = (n: number, cap: string, etag: string): ChosenPart => ({
  partNumber: n,
  capability: cap,
  size: 10,
  etag,
});

describe('turns', () => {
  it('lets parts in order stream in one after the other', () => {
    expect(turnOf({ ...open, next: 1 }, 1)).toBe('now');
    expect(turnOf({ ...open, next: 2 }, 2)).toBe('now');
  });
  it('makes a part ahead of its turn wait, and refuses one already waiting, behind, or streaming', () => {
    expect(turnOf({ ...open, next: 2 }, 4)).toBe('wait');
    expect(turnOf({ ...open, next: 2, waiting: true }, 4)).toBe('refuse');
    expect(turnOf({ ...open, next: 3 }, 2)).toBe('refuse');
    expect(turnOf({ ...open, next: 2, busy: true }, 2)).toBe('refuse');
    expect(turnOf({ ...open, next: 1, closed: true }, 1)).toBe('refuse');
  });
});

describe('Complete', () => {
  const entries = [entry(1, 0), entry(2, 10)];
  it('appends the parts after the joined ones when it names them first', () => {
    const chosen = [joinedPart(1), joinedPart(2), storedPart(3, 'cap3', 'e3')];
    expect(completePlan(chosen, entries, true)).toEqual({ append: [{ capability: 'cap3' }] });
  });
  it('rejoins when a joined part was uploaded again: the last upload wins', () => {
    const chosen = [joinedPart(1), storedPart(2, 'cap2b', 'e2b')];
    expect(completePlan(chosen, entries, true)).toEqual({ rejoin: true });
    expect(rejoinSlices(chosen, entries, 'J')).toEqual([
      { capability: 'J', range: { start: 0, end: 9 } },
      { capability: 'cap2b' },
    ]);
  });
  it('rejoins when a joined part is left out, reading the rest as ranges of the joined file', () => {
    const chosen = [joinedPart(2)];
    expect(completePlan(chosen, entries, true)).toEqual({ rejoin: true });
    expect(rejoinSlices(chosen, entries, 'J')).toEqual([{ capability: 'J', range: { start: 10, end: 19 } }]);
  });
  it('rejoins after the join closed, and says a joined part whose file was never ended is lost', () => {
    expect(completePlan([joinedPart(1), joinedPart(2)], entries, false)).toEqual({ rejoin: true });
    expect(() => rejoinSlices([joinedPart(1)], entries, null)).toThrow(/part 1 was lost/);
    expect(() => rejoinSlices([joinedPart(3)], entries, 'J')).toThrow(/part 3 was lost/);
  });
});

/** A store stand-in: its put reads the whole stream (as the real one, piece by piece) and names the bytes it got. */
function standIn() {
  const puts: { bytes: number; stopped: boolean }[] = [];
  const store = {
    async put(source: AsyncIterable<Uint8Array>, _name: string, _type: string, stop: { aborted: boolean }) {
      let bytes = 0;
      for await (const piece of source) bytes += piece.length;
      puts.push({ bytes, stopped: stop.aborted });
      return { capability: `file-${puts.length}`, size: bytes };
    },
  } as unknown as PeerTreeStore;
  return { store, puts };
}

async function* chunks(...sizes: number[]): AsyncGenerator<Uint8Array> {
  for (const n of sizes) yield new Uint8Array(n);
}

describe('the join', () => {
  afterEach(() => vi.useRealTimers());

  it('records parts in order at their offsets and appends the rest at Complete', async () => {
    const { store, puts } = standIn();
    const join = new Join(store, 'f', 'x', () => {});
    expect(await join.claim(1)).toBe(true);
    await join.take(chunks(4, 6));
    join.release({ partNumber: 1, etag: 'e1', size: 10, source: joinMarker(id, 1) });
    expect(await join.claim(2)).toBe(true);
    await join.take(chunks(5));
    join.release({ partNumber: 2, etag: 'e2', size: 5, source: joinMarker(id, 2) });
    expect(join.entries.map((e) => [e.partNumber, e.offset])).toEqual([
      [1, 0],
      [2, 10],
    ]);
    expect(await join.complete(chunks(7))).toEqual({ capability: 'file-1', size: 22 });
    expect(puts).toEqual([{ bytes: 22, stopped: false }]);
  });

  it('hands the turn to a part that waited for it', async () => {
    const { store } = standIn();
    const join = new Join(store, 'f', 'x', () => {});
    expect(await join.claim(1)).toBe(true);
    const second = join.claim(2);
    await join.take(chunks(3));
    join.release({ partNumber: 1, etag: 'e1', size: 3, source: joinMarker(id, 1) });
    expect(await second).toBe(true);
    join.abort();
  });

  it('on Abort mid-join stops the put and releases the file it ended', async () => {
    const { store, puts } = standIn();
    const released: string[] = [];
    const join = new Join(store, 'f', 'x', (cap) => released.push(cap));
    expect(await join.claim(1)).toBe(true);
    await join.take(chunks(8));
    join.release({ partNumber: 1, etag: 'e1', size: 8, source: joinMarker(id, 1) });
    const waiting = join.claim(3);
    join.abort();
    expect(await waiting).toBe(false);
    expect(join.open).toBe(false);
    await vi.waitFor(() => expect(released).toEqual(['file-1']));
    expect(puts).toEqual([{ bytes: 8, stopped: true }]);
  });

  it('ends the file when idle, keeping its entries for the rejoin', async () => {
    vi.useFakeTimers();
    const { store, puts } = standIn();
    const join = new Join(store, 'f', 'x', () => {});
    expect(await join.claim(1)).toBe(true);
    await join.take(chunks(9));
    join.release({ partNumber: 1, etag: 'e1', size: 9, source: joinMarker(id, 1) });
    await vi.advanceTimersByTimeAsync(S3_JOIN_IDLE_MS);
    expect(join.open).toBe(false);
    expect(await join.claim(2)).toBe(false);
    expect(await join.finish()).toEqual({ capability: 'file-1', size: 9 });
    expect(puts).toEqual([{ bytes: 9, stopped: false }]);
    expect(completePlan([joinedPart(1, 9)], join.entries, join.open)).toEqual({ rejoin: true });
  });
});
