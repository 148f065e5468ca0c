// Wires the search application into a running relay: memory index and holder index in the relay's SQLite,
// message handlers, summaries up the tree, repair of memories whose holders left.
import { randomInt } from 'node:crypto';
import type { AppContext } from '../apps/app.ts';
import { HolderIndex } from '../replication/holder-index.ts';
import { treePeers } from '../replication/peers.ts';
import { MemoryIndex } from './memory-index.ts';
import { SearchApp, type SearchTree } from './search-app.ts';

export interface RunningSearch {
  readonly app: SearchApp;
  readonly index: MemoryIndex;
  status(): Record<string, number>;
  close(): void;
}

/** The tree API seen as search needs it. */
export function searchTree(ctx: AppContext): SearchTree {
  const api = ctx.tree;
  return {
    ...treePeers(api),
    position: () => api.position,
    positionedMembers: () => api.members(),
    broadcast: (type, body) => void api.broadcast(type, body),
    onBroadcast: (type, handler) => {
      api.on(type, (message) => {
        if (message.broadcast) return handler(message.body);
      });
    },
  };
}

export function startSearch(ctx: AppContext): RunningSearch {
  const index = new MemoryIndex(ctx.db);
  const holders = new HolderIndex(ctx.db, 'memory_holders');
  const app = new SearchApp({
    dispatcher: ctx.dispatcher,
    tree: searchTree(ctx),
    index,
    holders,
    k: ctx.k,
    logger: ctx.logger,
    random: () => randomInt(0, 2 ** 47) / 2 ** 47,
    now: () => ctx.components.clock.now(),
    timers: ctx.components.timers,
  });
  return {
    app,
    index,
    status: () => ({ memories: index.size, ...app.counters, repaired: app.repairer.counters.repaired }),
    close: () => app.close(),
  };
}
