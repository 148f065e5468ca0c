// Wires the storage application into a running relay: shard store on disk, holder index, handlers, status.
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { AppContext } from '../apps/app.ts';
import { validateLimits } from '../../core/limits.ts';
import { FileShardStore } from './file-shard-store.ts';
import { HolderIndex } from '../replication/holder-index.ts';
import { PinIndex } from '../replication/pin-index.ts';
import { StorageApp } from './storage-app.ts';
import { handleStorageHttp } from './files-endpoint.ts';
import type { Peers } from '../replication/peers.ts';

export interface RunningStorage {
  readonly app: StorageApp;
  readonly store: FileShardStore;
  readonly holders: HolderIndex;
  readonly pins: PinIndex;
  /** Shard count and bytes, for the synchronous status document. */
  stats(): { shards: number; bytes: number };
  close(): Promise<void>;
}

/**
 * Uniform float in [0, 1) from the OS CSPRNG, for the choices not tied to a shard's name (which other members a
 * search probes). Placement itself is public: it follows each hash's rendezvous order (core/storage/placement.ts).
 */
function secureRandom(): number {
  return randomInt(0, 2 ** 47) / 2 ** 47;
}

export async function startStorage(
  ctx: AppContext,
  peers: Peers,
  options: { capacityBytes?: number; quota?: number; quotaBytes?: number; repairIntervalMs?: number } = {},
): Promise<RunningStorage> {
  validateLimits();
  const store = await FileShardStore.open({
    dir: join(ctx.dataDir, 'shards'),
    db: ctx.db,
    ...(options.capacityBytes !== undefined ? { capacityBytes: options.capacityBytes } : {}),
    now: () => ctx.components.clock.now(),
  });
  const holders = new HolderIndex(ctx.db);
  const pins = new PinIndex(ctx.db);
  const app = new StorageApp({
    dispatcher: ctx.dispatcher,
    store,
    holders,
    pins,
    peers,
    logger: ctx.logger,
    random: secureRandom,
    ...(options.quota !== undefined ? { quota: options.quota } : {}),
    ...(options.quotaBytes !== undefined ? { quotaBytes: options.quotaBytes } : {}),
    costOf: (size) => store.costOf(size),
    ...(options.repairIntervalMs !== undefined ? { repairIntervalMs: options.repairIntervalMs } : {}),
  });
  app.repairer.start();
  ctx.addApiRoute((req, res, path) => handleStorageHttp(app, req, res, path));
  return {
    app,
    store,
    holders,
    pins,
    stats: () => store.statsNow(),
    close: async () => {
      app.close();
      await store.close();
    },
  };
}
