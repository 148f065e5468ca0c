// What the parts of the storage app share: its settings, its counters and the time-out of relay requests.
import { REQUEST_TIMEOUT_MS } from '../../core/limits.ts';
import type { ShardRepairDeps } from '../replication/shard-repairer.ts';

/** The relay's parts the storage app works with (the same ones its repairer gets), and its settings. */
export interface StorageAppInit extends Pick<
  ShardRepairDeps,
  'dispatcher' | 'store' | 'holders' | 'pins' | 'peers' | 'logger'
> {
  /** Not used by lookups any more (they follow the rendezvous order); accepted so that callers need not change. */
  readonly random?: () => number;
  readonly requestTimeoutMs?: number;
  /** Shards one owner key may pin on this relay (default MAX_PINS_PER_OWNER). */
  readonly quota?: number;
  /** Bytes (by cost) one owner key may pin on this relay (default MAX_PINNED_BYTES_PER_OWNER). */
  readonly quotaBytes?: number;
  /** What a shard of `size` bytes costs here (default shardCost: 4 KiB blocks plus metadata). */
  readonly costOf?: (size: number) => number;
  /** Time between anti-entropy sweeps (default REPAIR_SWEEP_INTERVAL_MS; `--repair-interval`). */
  readonly repairIntervalMs?: number;
  /** The relay's clock (ms since the epoch) for the freshness of list statements (default Date.now). */
  readonly now?: () => number;
}

export interface StorageCounters {
  stored: number;
  served: number;
  forwarded: number;
  refused: number;
  collected: number;
  /** Pins refused because they were unsigned, did not verify, or were not the sender's own. */
  forgedPins: number;
  /** Requests to other relays made on behalf of clients' gets and releases (bounded per request). */
  fanOut: number;
  /** Client lookups that asked MAX_FAN_OUT_PER_REQUEST relays and stopped there. */
  fanOutExhausted: number;
  /** Shards stored on fewer relays than asked because the tree was smaller (topped up as relays join). */
  storedBelowTarget: number;
}

/** Counters at zero, one object shared by every part of one storage app (StorageApp.counters). */
export function newStorageCounters(): StorageCounters {
  return {
    stored: 0,
    served: 0,
    forwarded: 0,
    refused: 0,
    collected: 0,
    forgedPins: 0,
    fanOut: 0,
    fanOutExhausted: 0,
    storedBelowTarget: 0,
  };
}

/** One storage app's shared state: its parts read settings from `init` and count into `counters`. */
export interface StorageContext {
  readonly init: StorageAppInit;
  readonly counters: StorageCounters;
  /** Time-out of requests to other relays (init.requestTimeoutMs, default REQUEST_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

export function storageContext(init: StorageAppInit, counters: StorageCounters): StorageContext {
  return { init, counters, timeoutMs: init.requestTimeoutMs ?? REQUEST_TIMEOUT_MS };
}

/** Base of the storage app's parts: the shared state under the names every part uses. */
export abstract class StoragePart {
  protected readonly init: StorageAppInit;
  protected readonly counters: StorageCounters;
  protected readonly timeoutMs: number;

  constructor(ctx: StorageContext) {
    this.init = ctx.init;
    this.counters = ctx.counters;
    this.timeoutMs = ctx.timeoutMs;
  }
}
