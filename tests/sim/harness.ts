// Helpers to build a settled tree in the simulator and look at it (used by tests and the scale report).
import { treeStatus } from '../../core/tree/machine.ts';
import type { NodeRef } from '../../core/tree/types.ts';
import { Prng } from './prng.ts';
import { World, type WorldOptions } from './world.ts';

/** Adds relays n0 … n(count−1), each with its own key, and returns their refs. */
export function addRelays(world: World, count: number): NodeRef[] {
  return Array.from({ length: count }, (_, i) => world.addNamed(`n${i}`).ref);
}

/** n relays join one by one (each through a random member) and the tree settles. */
export function settledTree(n: number, k: number, seed = 1, opts: Partial<WorldOptions> = {}): World {
  const world = new World(new Prng(seed), { k, jsonBodies: true, timers: true, ...opts });
  const refs = addRelays(world, n);
  world.apply(world.node('n0'), { type: 'create', now: 0 });
  for (let i = 1; i < n; i++) {
    world.runUntil(world.now + 50);
    const contact = refs[world.rng.int(i)]!;
    world.apply(world.node(refs[i]!.id), { type: 'join', now: world.now, contact });
  }
  world.runUntil(world.now + 5_000);
  return world;
}

export function statusOf(world: World, id: string): ReturnType<typeof treeStatus> {
  return treeStatus(world.node(id).state);
}

/** Relay id at each position according to the live relays' own reports. */
export function positions(world: World): Map<number, string> {
  const out = new Map<number, string>();
  for (const node of world.nodes.values())
    if (node.alive && node.state.phase === 'member') out.set(statusOf(world, node.ref.id).position, node.ref.id);
  return out;
}
