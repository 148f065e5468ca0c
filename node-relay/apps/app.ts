// The application API of a relay: an application registers its message types, handlers, storage, HTTP
// routes and status fields through one context, and the tree core knows nothing about it. Storage, search
// and the ledger are applications; docs/apps.md shows how to write one.
import type { Identity } from '../../core/identity/index.ts';
import type { RelayConfig } from '../config/relay-config.ts';
import type { StorageStatus } from '../status.ts';
import type { Logger } from '../log-contract.ts';
import type { ApiRoute } from '../http/api.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { TreeApi } from '../tree/tree-api.ts';
import type { RelayDb } from '../data/relay-db.ts';
import type { Components } from '../components.ts';

export interface AppContext {
  /** The relay's node id and URL. */
  readonly self: { readonly id: string; readonly url: string };
  /** Handlers for messages on direct links (clients and relays): `dispatcher.on(type, (message, link) => …)`. */
  readonly dispatcher: Dispatcher;
  /** The tree: members, send/request/broadcast through the outbox, on(type, handler), linkTo(id), onMembership. */
  readonly tree: TreeApi;
  /** The relay's SQLite database: an application creates its own tables (prefixed with its name). */
  readonly db: RelayDb;
  /** A folder of the data directory that belongs to the application. */
  readonly dataPath: string;
  readonly components: Components;
  readonly logger: Logger;
  /** Maximum children per relay (k of the tree). */
  readonly k: number;
  /** Default replica count configured for this relay. */
  readonly replicas: number;
  /** Adds an HTTP handler under /api. */
  addApiRoute(route: ApiRoute): void;
  /** The relay's data folder (storage keeps its `shards/` here, where it was before apps had folders). */
  readonly dataDir: string;
  /** The relay's configuration, read-only (storage reads its capacity, quotas and repair interval). */
  readonly config: Readonly<RelayConfig>;
  /** The relay's own key: what an application signs as this relay (the ledger's entries and heads). */
  readonly identity: Identity;
  /** Supplies the `shards`/`bytes` figures of the status document's top level (the storage app). */
  setStorageStatus(source: () => StorageStatus): void;
}

export interface AppInstance {
  /** Fields shown under `apps.<name>` in /api/status. */
  status?(): Record<string, unknown>;
  close(): void | Promise<void>;
}

export interface RelayApp {
  /** Lowercase name; also the prefix of its message types by convention (`ledger.*`). */
  readonly name: string;
  start(ctx: AppContext): AppInstance | Promise<AppInstance>;
}
