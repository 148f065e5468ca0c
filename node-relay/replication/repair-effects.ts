// Carries out one effect of the repair plan (core/storage/repair-plan.ts) on this relay: record the verified
// holders, forget a lost copy, copy a shard, hand on pins, release a surplus copy. The shell (ShardRepairer) calls
// it for each effect in EFFECT_ORDER; what the plan must learn back (shards dropped here, copies that failed)
// is collected in an EffectOutcome and handed to the next step.
import { toPeerTreeError } from '../../core/errors.ts';
import { HOLDERS } from '../../core/protocol/shard-messages.ts';
import type { RepairEffect } from '../../core/storage/repair-plan.ts';
import type { ShardStore } from '../../core/storage/shard-store.ts';
import type { Logger } from '../log-contract.ts';
import type { HolderIndex } from './holder-index.ts';
import type { Peers } from './peers.ts';
import type { PinIndex } from './pin-index.ts';

export interface RepairEffectDeps {
  readonly store: ShardStore;
  readonly holders: HolderIndex;
  readonly pins: PinIndex;
  readonly peers: Peers;
  readonly logger: Logger;
  /** Stores the shard on `id` with its pins and its target replica count (the StorageApp's put path). */
  putOn(id: string, hash: string, bytes: Uint8Array, holders: string[], target: number): Promise<void>;
}

export interface RepairEffectCounters {
  /** Shards whose planned copies all landed. */
  repaired: number;
  /** Shards with a copy that failed (retried at a later sweep, elsewhere). */
  repairFailed: number;
  /** Own surplus copies released. */
  released: number;
  /** Holders sent this relay's pins of a shard they kept without some of them (lost in a crash). */
  pinsHandedOn: number;
}

/** What the effects of one step tell the next: shards no longer held here, and copies refused or timed out. */
export interface EffectOutcome {
  readonly dropped: string[];
  readonly failedCopies: { hash: string; id: string }[];
}

/** Sends this relay's own claim about `hash` to `id` (best effort). */
function claim(deps: RepairEffectDeps, id: string, hash: string, holds: boolean): void {
  void deps.peers
    .linkTo(id)
    .then((link) => link.send(HOLDERS, { hash, holders: holds ? [deps.peers.selfId] : [] }))
    .catch((err: unknown) => deps.logger.debug('holder claim not sent', { to: id, error: String(err) }));
}

/** Stores this relay's copy of `hash` (and its pins) on each of `to`; returns the ids that took it. */
async function storeOn(
  deps: RepairEffectDeps,
  effect: { hash: string; to: readonly string[]; holders: readonly string[]; target: number },
  out: EffectOutcome,
  what: string,
): Promise<string[] | null> {
  const bytes = await deps.store.get(effect.hash).catch(() => null);
  if (!bytes) return null;
  const took: string[] = [];
  await Promise.all(
    effect.to.map(async (id) => {
      try {
        await deps.putOn(id, effect.hash, bytes, [...effect.holders], effect.target);
        took.push(id);
      } catch (err) {
        out.failedCopies.push({ hash: effect.hash, id });
        deps.logger.debug(`${what} failed`, { hash: effect.hash, to: id, error: toPeerTreeError(err).message });
      }
    }),
  );
  return took;
}

/** Carries out `effect`; a shard forgotten or released here is added to `out.dropped`, a failed copy to `out`. */
export async function performRepairEffect(
  effect: RepairEffect,
  deps: RepairEffectDeps,
  counters: RepairEffectCounters,
  out: EffectOutcome,
): Promise<void> {
  const { holders, store, pins, peers, logger } = deps;
  const self = peers.selfId;
  switch (effect.kind) {
    case 'record':
      holders.set(effect.hash, effect.holders);
      return;
    case 'forget': {
      // Our copy is gone (deleted or corrupt on disk): say so to the holders we know; they repair.
      const known = holders.holders(effect.hash).filter((id) => id !== self);
      await store.delete(effect.hash).catch(() => false);
      pins.forget(effect.hash);
      holders.set(effect.hash, []);
      out.dropped.push(effect.hash);
      for (const id of known) claim(deps, id, effect.hash, false);
      logger.warn('lost a shard copy (an audit found it missing or corrupt); repair restores it', {
        event: 'repair.lost_copy',
        hash: effect.hash,
      });
      return;
    }
    case 'copy': {
      logger.debug('copying a shard', { hash: effect.hash, to: effect.to });
      const took = await storeOn(deps, effect, out, 'repair copy');
      if (took === null) return;
      // Each one's own signed reply: a claim, audited at the next sweep.
      for (const id of took) holders.add(effect.hash, id);
      const ok = took.length === effect.to.length;
      if (ok) counters.repaired++;
      else counters.repairFailed++;
      logger.debug('copied a shard', { hash: effect.hash, ok });
      return;
    }
    case 'pins': {
      // The same store a copy is: the holder keeps the bytes it has and adds the pins it lacked.
      const took = await storeOn(deps, effect, out, 'handing on pins');
      counters.pinsHandedOn += took?.length ?? 0;
      return;
    }
    case 'release': {
      if (!(await store.has(effect.hash))) return;
      await store.delete(effect.hash);
      pins.forget(effect.hash);
      holders.set(effect.hash, []);
      out.dropped.push(effect.hash);
      counters.released++;
      for (const id of effect.holders) if (id !== self) claim(deps, id, effect.hash, false);
      logger.debug('released a surplus copy', { hash: effect.hash, kept: effect.holders });
      return;
    }
  }
}
