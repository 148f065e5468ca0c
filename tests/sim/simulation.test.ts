import { describe, expect, it } from 'vitest';
import { depthOf } from '../../core/tree/positions.ts';
import { checkQuiescent } from './invariants.ts';
import { positions, settledTree, statusOf } from './harness.ts';
import { replayCommand, runSeed } from './scenario.ts';

describe('the simulated tree under seeded faults', () => {
  it('keeps every invariant for 1,000 seeds (2–20 relays, k in {2,3,4})', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 1_000; seed++) {
      const r = runSeed({ seed });
      if (!r.ok) failures.push(`seed ${seed}: ${r.failure}\n  replay: ${replayCommand(r)}`);
    }
    expect(failures).toEqual([]);
  }, 400_000);

  it('replays a seed exactly', () => {
    const a = runSeed({ seed: 4242 });
    const b = runSeed({ seed: 4242 });
    expect(b.steps).toBe(a.steps);
    expect(b.trace).toEqual(a.trace);
  });
});

describe('a tree of 15 relays with k = 2', () => {
  it('gives each relay a distinct position 0…14, size 15 and depth 3', () => {
    const world = settledTree(15, 2);
    const held = positions(world);
    expect([...held.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    for (const id of held.values()) {
      expect(statusOf(world, id).size).toBe(15);
      expect(statusOf(world, id).depth).toBe(3);
    }
  });

  for (const [name, victimPos] of [
    ['the root', 0],
    ['a middle relay', 4],
    ['a leaf', 9],
    ['the last relay', 14],
  ] as const) {
    it(`replaces ${name} killed without warning within 30 s by the former last relay`, () => {
      const world = settledTree(15, 2, 7);
      const before = positions(world);
      const victim = before.get(victimPos)!;
      const last = before.get(14)!;
      const killedAt = world.now;
      world.crash(victim);
      let healedAt = -1;
      for (let t = 500; t <= 30_000; t += 500) {
        world.runUntil(killedAt + t);
        if (checkQuiescent(world, { accepted: new Map(), broadcasts: new Set(), requests: new Set() }) === null) {
          healedAt = t;
          break;
        }
      }
      expect(healedAt).toBeGreaterThan(0);
      expect(healedAt).toBeLessThanOrEqual(30_000);
      const after = positions(world);
      expect(after.size).toBe(14);
      if (victim !== last) expect(after.get(victimPos)).toBe(last);
      expect(statusOf(world, after.get(0)!).depth).toBe(depthOf(14, 2));
    });
  }

  it('lets a relay leave gracefully: the last relay takes its position at once', () => {
    const world = settledTree(15, 2, 3);
    const before = positions(world);
    world.apply(world.node(before.get(5)!), { type: 'leave', now: world.now });
    world.runUntil(world.now + 1_000);
    expect(world.node(before.get(5)!).state.phase).toBe('left');
    expect(positions(world).get(5)).toBe(before.get(14));
    expect(statusOf(world, before.get(0)!).size).toBe(14);
  });

  it('delivers a broadcast from a leaf exactly once to every relay', () => {
    const world = settledTree(15, 2, 5);
    const leaf = positions(world).get(13)!;
    const r = world.apply(world.node(leaf), {
      type: 'broadcast',
      now: world.now,
      msgType: 'hello',
      body: { from: 'leaf' },
    });
    world.runUntil(world.now + 3_000);
    const counts = world.broadcastDelivered.get(r!.mid!)!;
    expect(counts.size).toBe(15);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });

  it('delivers messages queued for an unreachable relay after it restarts', () => {
    const world = settledTree(15, 2, 9);
    const target = positions(world).get(6)!;
    const sender = positions(world).get(12)!;
    world.crash(target);
    const mids = [1, 2, 3].map(
      (i) =>
        world.apply(world.node(sender), {
          type: 'send',
          now: world.now,
          to: { id: target },
          msgType: 'note',
          body: { i },
        })!.mid!,
    );
    world.runUntil(world.now + 5_000);
    expect(mids.every((mid) => !world.delivered.has(mid))).toBe(true);
    world.restart(target);
    world.runUntil(world.now + 40_000);
    for (const mid of mids) expect(world.delivered.get(mid)?.get(target)).toBe(1);
    expect(world.node(sender).state.outbox).toEqual([]);
  });
});
