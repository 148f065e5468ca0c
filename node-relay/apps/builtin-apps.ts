// The applications every relay runs: storage, search, the ledger, the library and device-link mailboxes (plus the example guestbook on request).
import { startStorage } from '../storage/start-storage.ts';
import { treePeers } from '../replication/peers.ts';
import { startSearch } from '../search/start-search.ts';
import { ledgerApp } from '../ledger/ledger-app.ts';
import { libraryApp } from '../library/library-app.ts';
import { mailboxApp } from '../mailbox/mailbox-app.ts';
import { exampleApp } from './example-app.ts';
import type { RelayApp } from './app.ts';

export const storageApp: RelayApp = {
  name: 'storage',
  async start(ctx) {
    const { capacityBytes, quota, quotaBytes, repairIntervalMs } = ctx.config;
    const storage = await startStorage(ctx, treePeers(ctx.tree), {
      ...(capacityBytes !== undefined ? { capacityBytes } : {}),
      ...(quota !== undefined ? { quota } : {}),
      ...(quotaBytes !== undefined ? { quotaBytes } : {}),
      ...(repairIntervalMs !== undefined ? { repairIntervalMs } : {}),
    });
    ctx.setStorageStatus(() => ({ ...storage.stats(), outbox: 0 }));
    return {
      status: () => ({
        ...storage.app.counters,
        ...storage.app.repairer.counters,
        repairBacklog: storage.app.repairer.backlog,
      }),
      close: () => storage.close(),
    };
  },
};

export const searchApp: RelayApp = {
  name: 'search',
  start(ctx) {
    const search = startSearch(ctx);
    return { status: () => search.status(), close: () => search.close() };
  },
};

export const BUILTIN_APPS: readonly RelayApp[] = [storageApp, searchApp, ledgerApp, libraryApp, mailboxApp];
export const OPTIONAL_APPS: Readonly<Record<string, RelayApp>> = { guestbook: exampleApp };
