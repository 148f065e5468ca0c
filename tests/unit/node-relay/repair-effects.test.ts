// Carrying out the repair plan's effects on one relay: a copy and a pins hand-over store the shard with its
// pins on each destination and report the ones that refused back to the plan; a release drops the copy, its
// pins and its holders here and tells the kept holders; a lost copy is forgotten.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { MemoryShardStore } from '../../../core/storage/memory-shard-store.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { HolderIndex } from '../../../node-relay/replication/holder-index.ts';
import { PinIndex } from '../../../node-relay/replication/pin-index.ts';
import type { RepairEffect } from '../../../core/storage/repair-plan.ts';
import {
  performRepairEffect,
  type EffectOutcome,
  type RepairEffectCounters,
  type RepairEffectDeps,
} from '../../../node-relay/replication/repair-effects.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

const OWNER = '0a'.repeat(32);

/** A relay `self` holding one shard with one pin; `refuse` lists the ids whose store fails. */
async function relay(refuse: readonly string[] = []) {
  const bytes = new TextEncoder().encode('a shard of some file');
  const hash = toHex(await sha256(bytes));
  const db = new Database(':memory:');
  const store = new MemoryShardStore();
  await store.put(hash, bytes);
  const pins = new PinIndex(db);
  pins.add(hash, { owner: OWNER, ts: 1000, sig: 'cd'.repeat(64) }, 4096);
  const holders = new HolderIndex(db);
  holders.set(hash, ['self', 'b', 'c']);
  const stored: { id: string; holders: string[]; target: number }[] = [];
  const claims: { to: string; body: unknown }[] = [];
  const deps: RepairEffectDeps = {
    store,
    holders,
    pins,
    logger: silentLogger,
    peers: {
      selfId: 'self',
      members: () => [],
      linkTo: async (to) =>
        ({ send: async (_type: string, body: unknown) => claims.push({ to, body }) }) as never as Link,
      onDeparted: () => {},
    },
    putOn: async (id, _hash, _bytes, planned, target) => {
      if (refuse.includes(id)) throw new PeerTreeError('FULL', 'no room');
      stored.push({ id, holders: planned, target });
    },
  };
  const counters: RepairEffectCounters = { repaired: 0, repairFailed: 0, released: 0, pinsHandedOn: 0 };
  const out: EffectOutcome = { dropped: [], failedCopies: [] };
  /** Carries out `effect` on this relay. */
  const perform = (effect: RepairEffect) => performRepairEffect(effect, deps, counters, out);
  return { hash, counters, out, stored, claims, store, pins, holders, perform };
}

describe('performRepairEffect', () => {
  it('copies to every destination, counts the shard repaired and records the new holders as claims', async () => {
    const r = await relay();
    await r.perform({ kind: 'copy', hash: r.hash, to: ['d', 'e'], holders: ['self', 'd', 'e'], target: 3 });
    expect(r.stored.map((s) => s.id).sort()).toEqual(['d', 'e']);
    expect(r.stored[0]).toMatchObject({ holders: ['self', 'd', 'e'], target: 3 });
    expect(r.counters).toMatchObject({ repaired: 1, repairFailed: 0 });
    expect(r.holders.holders(r.hash)).toEqual(expect.arrayContaining(['d', 'e']));
    expect(r.out.failedCopies).toEqual([]);
  });

  it('reports a destination that refused a copy back to the plan, and counts the repair failed', async () => {
    const r = await relay(['e']);
    await r.perform({ kind: 'copy', hash: r.hash, to: ['d', 'e'], holders: ['self', 'd', 'e'], target: 3 });
    expect(r.counters).toMatchObject({ repaired: 0, repairFailed: 1 });
    expect(r.out.failedCopies).toEqual([{ hash: r.hash, id: 'e' }]);
    expect(r.holders.holders(r.hash)).not.toContain('e');
  });

  it('hands its pins on by storing the shard again, counting each holder that took them', async () => {
    const r = await relay(['c']);
    await r.perform({ kind: 'pins', hash: r.hash, to: ['b', 'c'], holders: ['b', 'c', 'self'], target: 3 });
    expect(r.stored.map((s) => s.id)).toEqual(['b']);
    expect(r.counters).toMatchObject({ pinsHandedOn: 1, repaired: 0, repairFailed: 0 });
    expect(r.out.failedCopies).toEqual([{ hash: r.hash, id: 'c' }]);
  });

  it('releases its own surplus copy: bytes, pins and holders go, and the kept holders are told', async () => {
    const r = await relay();
    await r.perform({ kind: 'release', hash: r.hash, holders: ['b', 'c', 'd'] });
    expect(await r.store.has(r.hash)).toBe(false);
    expect(r.pins.pins(r.hash)).toEqual([]);
    expect(r.holders.holders(r.hash)).toEqual([]);
    expect(r.counters.released).toBe(1);
    expect(r.out.dropped).toEqual([r.hash]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(r.claims.map((c) => c.to).sort()).toEqual(['b', 'c', 'd']);
    expect(r.claims[0]!.body).toEqual({ hash: r.hash, holders: [] });
  });

  it('forgets a lost copy and tells the holders it knew of, so that they repair it', async () => {
    const r = await relay();
    await r.perform({ kind: 'forget', hash: r.hash });
    expect(await r.store.has(r.hash)).toBe(false);
    expect(r.out.dropped).toEqual([r.hash]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(r.claims.map((c) => c.to).sort()).toEqual(['b', 'c']);
  });
});
