import { describe, expect, it } from 'vitest';
import { swarmFetch, type SwarmFetchDeps } from '../../../node-relay/storage/swarm-fetch.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import type { SwarmStats } from '../../../core/storage/swarm-policy.ts';

/** A hand-driven clock and timer queue: the test decides when time passes. */
function manualTime() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    timers: {
      setTimeout: (fn: () => void, ms: number) => {
        const id = nextId++;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimeout: (handle: unknown) => {
        const i = timers.findIndex((t) => t.id === handle);
        if (i >= 0) timers.splice(i, 1);
      },
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    },
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('one shard of a swarming get', () => {
  it('takes the answer of the holder it asked', async () => {
    const time = manualTime();
    const asked: string[] = [];
    const deps: SwarmFetchDeps = {
      stats: { current: {} },
      ask: async (id) => (asked.push(id), Uint8Array.of(1)),
      ...time,
    };
    expect(await swarmFetch(['a', 'b'], 1, deps)).toMatchObject({ from: 'a' });
    expect(asked).toEqual(['a']);
    expect(deps.stats.current.a!.inflight).toBe(0);
  });

  it('asks the next holder at once when one fails, and fails only when all did', async () => {
    const time = manualTime();
    const asked: string[] = [];
    const deps: SwarmFetchDeps = {
      stats: { current: {} },
      ask: async (id) => {
        asked.push(id);
        if (id !== 'c') throw new PeerTreeError('CLOSED', `${id} is gone`);
        return Uint8Array.of(3);
      },
      ...time,
    };
    expect(await swarmFetch(['a', 'b', 'c'], 1, deps)).toMatchObject({ from: 'c' });
    expect(asked).toEqual(['a', 'b', 'c']);
    await expect(swarmFetch(['a', 'b'], 1, deps)).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(swarmFetch([], 1, deps)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('hedges to a second holder when the first straggles, takes the first answer, and drops the late one', async () => {
    const time = manualTime();
    const slow = deferred<Uint8Array>();
    const asked: string[] = [];
    let hedges = 0;
    const stats: { current: SwarmStats } = { current: {} };
    const deps: SwarmFetchDeps = {
      stats,
      ask: (id) => (asked.push(id), id === 'a' ? slow.promise : Promise.resolve(Uint8Array.of(2))),
      onHedge: () => hedges++,
      ...time,
    };
    const result = swarmFetch(['a', 'b'], 1, deps);
    await tick();
    expect(asked).toEqual(['a']);
    time.advance(60_000);
    expect(await result).toMatchObject({ from: 'b' });
    expect(hedges).toBe(1);
    slow.resolve(Uint8Array.of(1));
    await tick();
    expect(stats.current.a!.inflight).toBe(0);
    expect(stats.current.b!.inflight).toBe(0);
  });
});
