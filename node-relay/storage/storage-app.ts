// The storage application: places shards on the n relays that rank highest for their hash (rendezvous hashing),
// serves and finds shards, and keeps holder sets. It registers message handlers on the relay's dispatcher; the
// tree code knows nothing about it.
//
// Claims: every stored shard carries its owner's signed pin (core/storage/pin.ts); a relay forwarding a shard
// forwards the signed pins it holds and never vouches for anyone with its own word (storage-handlers.ts). Quotas
// charge each owner what a shard really costs on disk (FileShardStore.costOf; store-keeper.ts).
//
// Fan-out: a client request for a shard this relay does not hold makes it ask at most MAX_FAN_OUT_PER_REQUEST
// other relays (the first ones in the shard's rendezvous order, where placement puts it), counted in `fanOut`
// (shard-finder.ts).
//
// This class only wires the parts to one shared state (storage-context.ts): ShardPlacer (placement), ShardFinder
// (lookup), StoreKeeper (keeping with quota, releasing) and StorageHandlers (the messages).
import { ShardRepairer } from '../replication/shard-repairer.ts';
import { ShardFinder } from './shard-finder.ts';
import { ShardPlacer } from './shard-placer.ts';
import { StorageHandlers } from './storage-handlers.ts';
import { newStorageCounters, storageContext, type StorageAppInit, type StorageCounters } from './storage-context.ts';
import { StoreKeeper } from './store-keeper.ts';

export type { StorageAppInit, StorageCounters } from './storage-context.ts';

export class StorageApp {
  readonly counters: StorageCounters = newStorageCounters();
  readonly repairer: ShardRepairer;
  private readonly placer: ShardPlacer;
  private readonly finder: ShardFinder;
  private readonly unregister: (() => void)[];

  constructor(init: StorageAppInit) {
    const ctx = storageContext(init, this.counters);
    const keeper = new StoreKeeper(ctx);
    this.placer = new ShardPlacer(ctx, keeper);
    this.finder = new ShardFinder(ctx);
    this.repairer = new ShardRepairer({
      dispatcher: init.dispatcher,
      store: init.store,
      holders: init.holders,
      pins: init.pins,
      peers: init.peers,
      logger: init.logger,
      // Only the sweep's jitter uses it; start-storage passes a secure source.
      random: init.random ?? Math.random,
      // Repair forwards the owners' signed pins, never a claim of its own.
      putOn: (id, hash, bytes, holders, target) =>
        this.placer.putOn(id, hash, bytes, holders, init.pins.signedPins(hash), target),
      ...(init.repairIntervalMs !== undefined ? { intervalMs: init.repairIntervalMs } : {}),
      ...(init.requestTimeoutMs !== undefined ? { requestTimeoutMs: init.requestTimeoutMs } : {}),
    });
    const handlers = new StorageHandlers(ctx, {
      placer: this.placer,
      finder: this.finder,
      keeper,
      repairer: this.repairer,
    });
    this.unregister = handlers.register(init.dispatcher);
  }

  close(): void {
    this.repairer.close();
    for (const off of this.unregister.splice(0)) off();
  }

  /** See ShardPlacer.place: stores a verified shard on the first `replicas` relays in its rendezvous order. */
  place(...args: Parameters<ShardPlacer['place']>): Promise<string[]> {
    return this.placer.place(...args);
  }

  /** See ShardFinder.find: the shard's bytes from here or from at most FIND_MAX_ASKED other relays. */
  find(hash: string): Promise<Uint8Array> {
    return this.finder.find(hash);
  }
}
