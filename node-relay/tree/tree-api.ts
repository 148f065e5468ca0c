// The application API of the tree (storage, search, the ledger and tests build on it without touching
// tree code): who is in the tree, directed messages with the persistent outbox, request/reply with a
// timeout, broadcasts delivered once per relay, handlers per application message type, and direct links
// to members for bulk data. Everything goes through the state machine's routing, outbox and broadcast.
import { PeerTreeError, isErrorCode, toPeerTreeError } from '../../core/errors.ts';
import { REQUEST_TIMEOUT_MS } from '../../core/limits.ts';
import type { StepResult, TreeEvent, TreeState } from '../../core/tree/index.ts';
import { positionOf } from '../../core/tree/index.ts';
import type { Logger } from '../log-contract.ts';
import type { Link } from '../ws/link.ts';
import type { PeerLinks } from './peer-links.ts';
import type { Command } from './tree-runner.ts';

/** The app type a failed request is answered with: body { code, message }. */
export const APP_ERROR_TYPE = 'tree.error';

export interface TreeMember {
  readonly id: string;
  readonly url: string;
  readonly position: number;
}

export interface TreeMessage {
  /** Message id given by the sender's state machine (unique per sender, stable across re-sends). */
  readonly mid: string;
  /** Node id of the relay that sent (or broadcast) it. */
  readonly from: string;
  readonly type: string;
  readonly body: unknown;
  readonly broadcast: boolean;
  readonly isRequest: boolean;
}

export interface TreeReply {
  readonly from: string;
  readonly type: string;
  readonly body: unknown;
}

/** Handles one application message; for a request, `reply` answers it (once), else it is null. */
export type TreeHandler = (
  message: TreeMessage,
  reply: ((type: string, body: unknown) => void) | null,
) => void | Promise<void>;

export interface MembershipChange {
  readonly epoch: number;
  readonly position: number;
  readonly members: readonly TreeMember[];
  /** Ids that are members now and were not at the previous change. */
  readonly added: readonly string[];
  /** Ids that were members at the previous change and are not now. */
  readonly departed: readonly string[];
}

/** What the API needs from the shell around the state machine. */
export interface TreeCore {
  readonly state: TreeState;
  apply(command: Command): StepResult | null;
}

function active(s: TreeState): boolean {
  return (s.phase === 'member' || s.phase === 'leaving') && positionOf(s.membership, s.self.id) >= 0;
}

export function membersOf(s: TreeState): TreeMember[] {
  if (!active(s)) return [];
  return s.membership.members.map((m, position) => ({ id: m.id, url: m.url, position }));
}

export class TreeApi {
  private readonly handlers = new Map<string, TreeHandler>();
  private readonly listeners = new Set<(change: MembershipChange) => void>();
  private readonly waiting = new Map<string, { resolve(reply: TreeReply): void; reject(err: Error): void }>();
  private readonly appUse = new Map<string, number>();
  private lastIds: ReadonlySet<string> = new Set();
  readonly counters: Record<string, number> = {
    'app-delivered': 0,
    'broadcasts-delivered': 0,
    'no-handler': 0,
    'handler-failed': 0,
  };

  constructor(
    private readonly core: TreeCore,
    private readonly peers: PeerLinks,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.lastIds = new Set(membersOf(core.state).map((m) => m.id));
  }

  /** This relay: its node id and url. */
  get self(): { readonly id: string; readonly url: string } {
    return this.core.state.self;
  }

  /** This relay's position, or −1 while it is not a member. */
  get position(): number {
    return active(this.core.state) ? positionOf(this.core.state.membership, this.core.state.self.id) : -1;
  }

  get epoch(): number {
    return this.core.state.membership.epoch;
  }

  /** Every relay of the tree in position order (this one included); empty while not a member. */
  members(): TreeMember[] {
    return membersOf(this.core.state);
  }

  /** Called after every membership change this relay installs; returns the unsubscribe function. */
  onMembership(listener: (change: MembershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers the handler of an application message type (one per type); returns the remover. */
  on(type: string, handler: TreeHandler): () => void {
    if (type === APP_ERROR_TYPE) throw new PeerTreeError('CONFLICT', `${APP_ERROR_TYPE} is reserved`);
    if (this.handlers.has(type))
      throw new PeerTreeError('CONFLICT', `a tree handler for ${type} is already registered`);
    this.handlers.set(type, handler);
    return () => {
      if (this.handlers.get(type) === handler) this.handlers.delete(type);
    };
  }

  /**
   * Sends a message to the relay with this id through the persistent outbox: delivered at least once
   * (de-duplicated at the receiver), also across restarts. Returns the message id. Throws FULL when
   * the outbox is full.
   */
  send(toId: string, type: string, body: unknown): string {
    return this.command({ type: 'send', to: { id: toId }, msgType: type, body });
  }

  /** Like send, to whichever relay holds `position` when the message arrives. */
  sendToPosition(position: number, type: string, body: unknown): string {
    return this.command({ type: 'send', to: { position }, msgType: type, body });
  }

  /** Sends a request and waits for its reply; rejects TIMEOUT after `timeoutMs`, or with the handler's error. */
  request(toId: string, type: string, body: unknown, timeoutMs: number = REQUEST_TIMEOUT_MS): Promise<TreeReply> {
    let mid: string;
    try {
      mid = this.command({ type: 'request', to: { id: toId }, msgType: type, body, timeoutMs });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<TreeReply>((resolve, reject) => this.waiting.set(mid, { resolve, reject }));
  }

  /** Broadcasts down the tree: every member (this one too) delivers it exactly once. Returns its id. */
  broadcast(type: string, body: unknown): string {
    return this.command({ type: 'broadcast', msgType: type, body });
  }

  /** A direct link to a member (reused when one is open) for bulk data; UNAVAILABLE for non-members. */
  linkTo(id: string): Promise<Link> {
    const s = this.core.state;
    const ref = s.membership.members[positionOf(s.membership, id)];
    if (ref === undefined || id === s.self.id)
      return Promise.reject(new PeerTreeError('UNAVAILABLE', `relay ${id} is not another member of this tree`));
    this.appUse.set(id, this.now());
    return this.peers.linkTo(ref);
  }

  /** True when the application used a direct link to `id` within `withinMs` (the tree then keeps it open). */
  usedRecently(id: string, withinMs: number): boolean {
    const at = this.appUse.get(id);
    return at !== undefined && this.now() - at <= withinMs;
  }

  /** Rejects every request still waiting (shutdown). */
  close(): void {
    for (const [mid, w] of this.waiting) {
      this.waiting.delete(mid);
      w.reject(new PeerTreeError('CLOSED', 'relay shutting down'));
    }
  }

  /** The runner's event listener. */
  handleEvent(event: TreeEvent): void {
    switch (event.type) {
      case 'membership':
      case 'left':
      case 'removed':
        this.membershipChanged();
        return;
      case 'message':
        this.counters['app-delivered']!++;
        this.deliver({
          mid: event.mid,
          from: event.from,
          type: event.msgType,
          body: event.body,
          broadcast: false,
          isRequest: event.isRequest,
        });
        return;
      case 'broadcast':
        this.counters['broadcasts-delivered']!++;
        this.deliver({
          mid: event.mid,
          from: event.from,
          type: event.msgType,
          body: event.body,
          broadcast: true,
          isRequest: false,
        });
        return;
      case 'reply': {
        const w = this.waiting.get(event.requestId);
        if (w === undefined) return;
        this.waiting.delete(event.requestId);
        if (event.msgType === APP_ERROR_TYPE) w.reject(errorFrom(event.body));
        else w.resolve({ from: event.from, type: event.msgType, body: event.body });
        return;
      }
      case 'timeout': {
        const w = this.waiting.get(event.requestId);
        if (w === undefined) return;
        this.waiting.delete(event.requestId);
        w.reject(new PeerTreeError('TIMEOUT', `no reply to request ${event.requestId}`));
        return;
      }
      default:
        return;
    }
  }

  private command(command: Command): string {
    const result = this.core.apply(command);
    if (result === null) throw new PeerTreeError('UNAVAILABLE', 'the tree is not running');
    if (result.error !== undefined) throw new PeerTreeError(result.error.code, result.error.message);
    if (result.mid === undefined) throw new PeerTreeError('INTERNAL', 'the tree gave no message id');
    return result.mid;
  }

  private membershipChanged(): void {
    const members = this.members();
    const ids = new Set(members.map((m) => m.id));
    const added = members.filter((m) => !this.lastIds.has(m.id)).map((m) => m.id);
    const departed = [...this.lastIds].filter((id) => !ids.has(id));
    this.lastIds = ids;
    const change: MembershipChange = { epoch: this.epoch, position: this.position, members, added, departed };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.logger.error('membership listener failed', { error: String(err) });
      }
    }
  }

  private deliver(message: TreeMessage): void {
    const handler = this.handlers.get(message.type);
    let replied = false;
    const reply = message.isRequest
      ? (type: string, body: unknown) => {
          if (replied) return;
          replied = true;
          const result = this.core.apply({
            type: 'reply',
            to: message.from,
            requestId: message.mid,
            msgType: type,
            body,
          });
          if (result?.error !== undefined)
            this.logger.warn('reply refused', { to: message.from, code: result.error.code });
        }
      : null;
    if (handler === undefined) {
      this.counters['no-handler']!++;
      reply?.(APP_ERROR_TYPE, { code: 'NOT_FOUND', message: `no handler for ${message.type}` });
      return;
    }
    const fail = (err: unknown) => {
      this.counters['handler-failed']!++;
      const e = toPeerTreeError(err);
      if (e.code === 'INTERNAL') this.logger.error('tree handler failed', { type: message.type, error: e.message });
      reply?.(APP_ERROR_TYPE, { code: e.code, message: e.message.slice(0, 500) });
    };
    try {
      const out = handler(message, reply);
      if (out instanceof Promise) out.catch(fail);
    } catch (err) {
      fail(err);
    }
  }
}

function errorFrom(body: unknown): PeerTreeError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = isErrorCode(b.code) ? b.code : 'INTERNAL';
  return new PeerTreeError(code, typeof b.message === 'string' ? b.message.slice(0, 500) : undefined);
}
