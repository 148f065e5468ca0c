// The relay's status document (GET /api/status): a pure function of its sources. No secrets in it.
//
// Two views. The admin view (buildStatus) has everything: connected peers and clients by node id, the whole
// member list with URLs, drop and tree counters, application sections. It goes to the operator only (a token or
// this machine, http/access.ts), and /metrics is built from it. Everybody else gets the public view
// (publicStatus): DESIGN.md's fields, the relay's own identity and the tree's relays (position, id, URL: the
// directory a client needs to reach a shard's holders itself), nothing about any client and no counters.

/** The relay's place in the tree; a lone relay is the root of its own tree. The tree protocol supplies the real one. */
export interface TreeStatus {
  readonly position: number;
  readonly epoch: number;
  /** Node id of the parent, or null for the root. */
  readonly parent: string | null;
  /** Node ids of the children. */
  readonly children: readonly string[];
  /** Relays in the tree. */
  readonly size: number;
  readonly depth: number;
  /** Tree messages waiting in the persistent outbox (added to the storage outbox in the document). */
  readonly outbox?: number;
  /** idle, joining, member, leaving or left. */
  readonly phase?: string;
  /** The ordered membership: who holds each position. */
  readonly members?: readonly { readonly position: number; readonly id: string; readonly url: string }[];
  /** Tree protocol and shell counters (steps, persists, frames sent, drops by reason, ...). */
  readonly counters?: Readonly<Record<string, number>>;
}

export const LONE_ROOT: TreeStatus = Object.freeze({
  position: 0,
  epoch: 0,
  parent: null,
  children: Object.freeze([]),
  size: 1,
  depth: 0,
});

export interface StorageStatus {
  readonly shards: number;
  readonly bytes: number;
  readonly outbox: number;
}

export const EMPTY_STORAGE: StorageStatus = Object.freeze({ shards: 0, bytes: 0, outbox: 0 });

export interface SelfInfo {
  readonly id: string;
  /** Raw Ed25519 public key, hex. */
  readonly publicKey: string;
  readonly treeId: string;
  readonly url: string;
  readonly version: string;
  readonly maxPeers: number;
  readonly replicas: number;
}

export interface StatusSources {
  readonly self: SelfInfo;
  tree(): TreeStatus;
  storage(): StorageStatus;
  uptimeMs(): number;
  /** Open WebSocket connections (authenticated or not). */
  connections(): number;
  /** Authenticated peers: node id and role. */
  peers(): readonly { id: string; role: string; direction: 'in' | 'out' }[];
  /** Dropped frames by reason (wire-format checks plus connection-level checks). */
  drops(): Readonly<Record<string, number>>;
  /** Extra top-level sections (e.g. `diag`), added after the fixed fields; never replace them. */
  sections?(): Readonly<Record<string, unknown>>;
}

export interface StatusDocument extends Omit<TreeStatus, 'outbox'>, StorageStatus {
  /** Which view this is: `admin` (everything, for the operator) or `public`. */
  readonly view: 'admin' | 'public';
  readonly id: string;
  readonly publicKey: string;
  readonly treeId: string;
  readonly url: string;
  readonly version: string;
  readonly maxPeers: number;
  readonly replicas: number;
  readonly uptimeMs: number;
  readonly connections: number;
  readonly peers: readonly { id: string; role: string; direction: 'in' | 'out' }[];
  readonly drops: Readonly<Record<string, number>>;
  readonly phase?: string;
  readonly members?: readonly { readonly position: number; readonly id: string; readonly url: string }[];
  readonly tree?: Readonly<Record<string, number>>;
  readonly [section: string]: unknown;
}

export function buildStatus(s: StatusSources): StatusDocument {
  const tree = s.tree();
  const storage = s.storage();
  const doc: StatusDocument = {
    view: 'admin',
    id: s.self.id,
    publicKey: s.self.publicKey,
    treeId: s.self.treeId,
    url: s.self.url,
    version: s.self.version,
    position: tree.position,
    epoch: tree.epoch,
    parent: tree.parent,
    children: [...tree.children],
    size: tree.size,
    depth: tree.depth,
    maxPeers: s.self.maxPeers,
    replicas: s.self.replicas,
    shards: storage.shards,
    bytes: storage.bytes,
    outbox: storage.outbox + (tree.outbox ?? 0),
    uptimeMs: Math.max(0, Math.round(s.uptimeMs())),
    connections: s.connections(),
    peers: s.peers(),
    drops: { ...s.drops() },
    ...(tree.phase !== undefined ? { phase: tree.phase } : {}),
    ...(tree.members !== undefined
      ? { members: tree.members.map((m) => ({ position: m.position, id: m.id, url: m.url })) }
      : {}),
    ...(tree.counters !== undefined ? { tree: { ...tree.counters } } : {}),
  };
  const extra = s.sections?.() ?? {};
  const out: Record<string, unknown> = { ...doc };
  for (const [name, value] of Object.entries(extra)) if (!(name in out)) out[name] = value;
  return out as StatusDocument;
}

/**
 * Fields of the public status: DESIGN.md's (`id`, `treeId`, `position`, `epoch`, `parent`, `children`, `size`,
 * `depth`, `shards`, `bytes`, `outbox`), the relay's own settings and `members` (each relay's position, id and URL:
 * public servers, and what a client must know to send a shard to its holders rather than through one relay; see
 * docs/security.md "Replay memory and status privacy"). No client ids, no peer links, no counters: those are the
 * operator's (admin view, /metrics).
 */
export const PUBLIC_STATUS_FIELDS = [
  'id',
  'publicKey',
  'treeId',
  'url',
  'version',
  'position',
  'epoch',
  'parent',
  'children',
  'size',
  'depth',
  'maxPeers',
  'replicas',
  'shards',
  'bytes',
  'outbox',
  'uptimeMs',
  'phase',
  'members',
] as const;

export type PublicStatusDocument = Pick<StatusDocument, (typeof PUBLIC_STATUS_FIELDS)[number]> & {
  readonly view: 'public';
};

/** The public view of a status document: only PUBLIC_STATUS_FIELDS. */
export function publicStatus(doc: StatusDocument): PublicStatusDocument {
  const out: Record<string, unknown> = { view: 'public' };
  for (const name of PUBLIC_STATUS_FIELDS) if (doc[name] !== undefined) out[name] = doc[name];
  return out as PublicStatusDocument;
}

/** Sums several counter maps key by key (verifier drops plus connection-level drops). */
export function mergeCounters(...maps: Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
  return out;
}
