// Every authenticated connection of the relay, inbound and outbound: per-address limits, lookup by node id,
// up/down events for the tree protocol, dialing other relays, and closing everything at shutdown.
import { HANDSHAKE_TYPES, FrameVerifier } from '../../core/wire/index.ts';
import type { Identity } from '../../core/identity/index.ts';
import { MAX_CONNECTIONS_PER_ADDRESS, type Limits } from '../../core/limits.ts';
import type { Components } from '../components.ts';
import { connect } from './connector.ts';
import type { Dispatcher } from './dispatcher.ts';
import { newDropCounters, type DropCounters } from './drop-counters.ts';
import type { Link } from './link.ts';
import type { RateLimiter } from './rate-limiter.ts';

export type PeerEvent = { kind: 'up'; link: Link } | { kind: 'down'; link: Link; code: number; reason: string };

export interface ConnectionManagerInit {
  readonly identity: Identity;
  readonly treeId: () => string;
  readonly selfUrl: () => string;
  readonly components: Components;
  readonly dispatcher: Dispatcher;
  readonly maxPerAddress?: number;
  /** Frame types accepted with an empty or foreign tree id (default: the handshake types). */
  readonly treeExemptTypes?: ReadonlySet<string>;
  /** Connection-level drop counters to count into (shared with the dispatcher); new ones when absent. */
  readonly counters?: DropCounters;
  /** Message rate limits (per address before verification); none when absent. */
  readonly limiter?: RateLimiter;
  /** Wire limits of the verifier (default LIMITS). */
  readonly limits?: Limits;
}

export class ConnectionManager {
  /** Wire-format drops (shared by every connection: one replay memory per relay). */
  readonly verifier: FrameVerifier;
  /** Connection-level drops. */
  readonly counters: DropCounters;
  private readonly perAddress = new Map<string, number>();
  private readonly linkSet = new Set<Link>();
  private readonly listeners = new Set<(event: PeerEvent) => void>();
  private openSockets = 0;

  constructor(private readonly init: ConnectionManagerInit) {
    this.counters = init.counters ?? newDropCounters();
    const exempt = init.treeExemptTypes ?? HANDSHAKE_TYPES;
    this.verifier = new FrameVerifier({
      treeId: init.treeId,
      now: () => init.components.clock.now(),
      treeExemptTypes: exempt,
      // Only frames of another tree ask this (rare): a walk over the links is cheap enough.
      isExemptRequest: (re) => {
        for (const link of this.linkSet) if (exempt.has(link.pendingType(re) ?? '')) return true;
        return false;
      },
      ...(init.limits !== undefined ? { limits: init.limits } : {}),
    });
  }

  /** Sockets open now, authenticated or still in the handshake. */
  get socketCount(): number {
    return this.openSockets;
  }

  links(): Link[] {
    return [...this.linkSet];
  }

  /** Open links to the node with this id (a peer may be connected more than once). */
  linksTo(nodeId: string): Link[] {
    return this.links().filter((l) => l.peerId === nodeId && l.isOpen);
  }

  /** Subscribes to links coming up (after the handshake) and going down; returns the unsubscribe function. */
  onPeer(listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** False when a frame from `address` is over the address's message rate (it is then dropped unread). */
  admitAddress(address: string): boolean {
    return this.init.limiter === undefined || this.init.limiter.admitAddress(address);
  }

  /** Reserves a slot for a new socket from `address`; false when the address is at its limit. */
  reserve(address: string): boolean {
    const n = this.perAddress.get(address) ?? 0;
    if (n >= (this.init.maxPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS)) {
      this.counters['connection-limit']++;
      return false;
    }
    this.perAddress.set(address, n + 1);
    this.openSockets++;
    return true;
  }

  /** Returns a slot taken by reserve() (call exactly once, when the socket closes). */
  release(address: string): void {
    const n = (this.perAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, n);
    this.openSockets = Math.max(0, this.openSockets - 1);
  }

  /** Registers an authenticated link and announces it; its closing is announced too. */
  add(link: Link): void {
    this.linkSet.add(link);
    link.onClose((code, reason) => {
      this.linkSet.delete(link);
      this.emit({ kind: 'down', link, code, reason });
    });
    this.emit({ kind: 'up', link });
  }

  /** Dials another relay's URL (https://… or wss://…/ws) as a relay, optionally requiring its node id. */
  async dial(url: string, options: { expectedId?: string; timeoutMs?: number } = {}): Promise<Link> {
    const link = await connect(url, {
      identity: this.init.identity,
      role: 'relay',
      selfUrl: this.init.selfUrl(),
      components: this.init.components,
      verifier: this.verifier,
      counters: this.counters,
      onMessage: (message, l) => this.init.dispatcher.dispatch(message, l),
      ...(options.expectedId !== undefined ? { expectedId: options.expectedId } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    this.openSockets++;
    link.onClose(() => {
      this.openSockets = Math.max(0, this.openSockets - 1);
    });
    this.add(link);
    return link;
  }

  /** Closes every link with `code` (1001 at shutdown). */
  closeAll(code: number, reason: string): void {
    for (const link of this.linkSet) link.close(code, reason);
  }

  private emit(event: PeerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.init.components.logger.error('peer event listener failed', { error: String(err) });
      }
    }
  }
}
