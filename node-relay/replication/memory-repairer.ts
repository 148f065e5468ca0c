// Self-healing of memories (Repairer): when holders leave the tree, the first surviving holder in repair rank
// (SHA-256 of item and relay id) restores the replica count on other relays (memories are placed at random, any
// relay will do). Shards heal by the anti-entropy sweep of shard-repairer.ts instead.
import { toPeerTreeError } from '../../core/errors.ts';
import { MEMORY_REPAIR_CONCURRENCY } from '../../core/limits.ts';
import { rendezvousHolders, repairLeader } from '../../core/storage/placement.ts';
import type { Logger } from '../log-contract.ts';
import type { HolderIndex } from './holder-index.ts';
import type { Peers } from './peers.ts';

/** What memory repair needs; items are named by a 64-hex hash. */
export interface RepairDeps {
  /** The local copy of an item, or null. */
  read(hash: string): Promise<Uint8Array | null>;
  readonly holders: HolderIndex;
  readonly peers: Peers;
  readonly logger: Logger;
  /** Stores the item on `id` with its holder set (and, for shards, its pins). */
  putOn(id: string, hash: string, bytes: Uint8Array, holders: string[]): Promise<void>;
  /** Tells the holders the new holder set. */
  announce(hash: string, holders: string[]): void;
}

export interface RepairCounters {
  repaired: number;
  repairFailed: number;
  repairSkipped: number;
}

export class Repairer {
  readonly counters: RepairCounters = { repaired: 0, repairFailed: 0, repairSkipped: 0 };
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly deps: RepairDeps) {
    deps.peers.onDeparted((departed) => this.schedule(departed));
  }

  /** Repairs still queued or running. */
  get backlog(): number {
    return this.pending;
  }

  /** Resolves when every repair scheduled so far has finished (for tests and shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  schedule(departed: readonly string[]): void {
    this.pending++;
    this.queue = this.queue
      .then(() => this.repairAfter(departed))
      .catch((err: unknown) => this.deps.logger.error('repair pass failed', { error: toPeerTreeError(err).message }))
      .finally(() => this.pending--);
  }

  private async repairAfter(departed: readonly string[]): Promise<void> {
    const hashes = new Set<string>();
    for (const id of departed) for (const h of this.deps.holders.shardsOf(id)) hashes.add(h);
    const list = [...hashes];
    for (let i = 0; i < list.length; i += MEMORY_REPAIR_CONCURRENCY) {
      await Promise.all(
        list.slice(i, i + MEMORY_REPAIR_CONCURRENCY).map((h) => this.repairShard(h, new Set(departed))),
      );
    }
  }

  private async repairShard(hash: string, departed: ReadonlySet<string>): Promise<void> {
    const { holders, peers } = this.deps;
    const members = peers.members();
    const memberIds = new Set(members.map((m) => m.id));
    const before = holders.holders(hash);
    const survivors = before.filter((id) => !departed.has(id) && memberIds.has(id));
    const target = Math.min(holders.target(hash) ?? before.length, members.length);
    if (
      !survivors.includes(peers.selfId) ||
      repairLeader(hash, survivors) !== peers.selfId ||
      survivors.length >= target
    ) {
      // Not ours to repair (another survivor leads, possibly one that is dead but not yet removed), or
      // nothing to do. The holder set is left as it is: when the next departure comes, the survivors still
      // see every holder that is gone and restore the full count.
      this.counters.repairSkipped++;
      return;
    }
    const bytes = await this.deps.read(hash);
    if (!bytes) {
      this.counters.repairFailed++;
      return;
    }
    const next = [...survivors];
    const tried = new Set(before);
    while (next.length < target) {
      // New holders in rendezvous order: the shard stays where find() computes it to be after the churn.
      const batch = rendezvousHolders(hash, members, target - next.length, tried);
      if (batch.length === 0) break;
      for (const m of batch) tried.add(m.id);
      const planned = [...next, ...batch.map((m) => m.id)];
      const results = await Promise.allSettled(batch.map((m) => this.deps.putOn(m.id, hash, bytes, planned)));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') next.push(batch[i]!.id);
      });
    }
    holders.set(hash, next);
    this.deps.announce(hash, next);
    if (next.length >= target) this.counters.repaired++;
    else this.counters.repairFailed++;
  }
}
