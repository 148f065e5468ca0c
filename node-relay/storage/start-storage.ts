// Wires the storage application into a running relay: shard store on disk, holder index, handlers, status.
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Relay } from '../relay.ts';
import { FileShardStore } from './file-shard-store.ts';
import { HolderIndex } from './holder-index.ts';
import { StorageApp } from './storage-app.ts';
import { handleStorageHttp } from './files-endpoint.ts';
import type { StoragePeers } from './storage-peers.ts';

export interface RunningStorage {
  readonly app: StorageApp;
  readonly store: FileShardStore;
  readonly holders: HolderIndex;
  /** Shard count and bytes, cached for the synchronous status document. */
  stats(): { shards: number; bytes: number };
  close(): Promise<void>;
}

/** Uniform float in [0, 1) from the OS CSPRNG: placement must not be predictable by a client. */
function secureRandom(): number {
  return randomInt(0, 2 ** 47) / 2 ** 47;
}

export async function startStorage(relay: Relay, peers: StoragePeers, options: { capacityBytes?: number } = {}): Promise<RunningStorage> {
  const store = await FileShardStore.open({
    dir: join(relay.dataDir.path, 'shards'),
    db: relay.db,
    ...(options.capacityBytes !== undefined ? { capacityBytes: options.capacityBytes } : {}),
    now: () => relay.components.clock.now(),
  });
  const holders = new HolderIndex(relay.db);
  const app = new StorageApp({ dispatcher: relay.dispatcher, store, holders, peers, logger: relay.components.logger, random: secureRandom });
  relay.addApiRoute((req, res, path) => handleStorageHttp(app, req, res, path));
  let cached = await store.stats();
  const refresh = () => {
    void store.stats().then((s) => (cached = s));
  };
  const timer = setInterval(refresh, 1000);
  timer.unref();
  return {
    app,
    store,
    holders,
    stats: () => {
      refresh();
      return cached;
    },
    close: async () => {
      clearInterval(timer);
      app.close();
      await store.close();
    },
  };
}
