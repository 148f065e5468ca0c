// The tree's view of the relay's connections: node id → an open relay Link (reused, whichever side dialed),
// dials with the expected node id (one at a time per peer, with a back-off after a failure), per-peer
// send queues that keep order while a dial is in flight, and up/down events per node id (first link up,
// last link down). Tree frames whose JSON body is large travel in the binary payload instead.
import { fromUtf8, utf8 } from '../../core/bytes.ts';
import { PeerTreeError } from '../../core/errors.ts';
import type { NodeRef } from '../../core/tree/index.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Components } from '../components.ts';
import type { ConnectionManager } from '../ws/connection-manager.ts';
import type { Link } from '../ws/link.ts';
import { DIAL_BACKOFF_MS, DIAL_TIMEOUT_MS, INLINE_BODY_LIMIT, MAX_QUEUED_PER_PEER } from '../../core/limits.ts';

/** Header body marking "the real body is the JSON in the payload". */
const IN_PAYLOAD = { $payload: 'json' } as const;

/** A message to send once on every link before the first message of `msgType` (join admission). */
export type Preface = (msgType: string) => { type: string; body: unknown } | null;

interface PeerQueue {
  ref: NodeRef;
  frames: { type: string; body: unknown }[];
}

/** Reads a tree frame's body, taking it from the payload when the header says so. */
export function treeBody(message: Message): unknown {
  const b = message.body as Record<string, unknown> | null;
  if (b !== null && typeof b === 'object' && b.$payload === 'json' && Object.keys(b).length === 1) {
    if (message.payload === null)
      throw new PeerTreeError('BAD_INPUT', 'body announced in the payload, but there is none');
    return JSON.parse(fromUtf8(message.payload)) as unknown;
  }
  return message.body;
}

/** Sends `body` on `link` as a tree frame (inline or in the payload). */
export function sendTreeFrame(link: Link, type: string, body: unknown): Promise<string> {
  const json = JSON.stringify(body);
  if (json.length <= INLINE_BODY_LIMIT) return link.send(type, body);
  return link.send(type, IN_PAYLOAD, { payload: utf8(json) });
}

export class PeerLinks {
  readonly counters: Record<string, number> = {
    'frames-sent': 0,
    'send-failed': 0,
    'send-dropped': 0,
    dials: 0,
    'dial-failed': 0,
  };
  private readonly dialing = new Map<string, Promise<Link | null>>();
  private readonly failedAt = new Map<string, number>();
  private readonly queues = new Map<string, PeerQueue>();
  private readonly prefaced = new WeakMap<Link, Set<string>>();
  private readonly upIds = new Set<string>();
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    private readonly connections: ConnectionManager,
    private readonly components: Components,
    private readonly onChange: (peer: string, up: boolean) => void,
    private readonly preface: Preface = () => null,
  ) {
    this.unsubscribe = connections.onPeer((event) => {
      if (event.link.role !== 'relay' || this.stopped) return;
      const id = event.link.peerId;
      const open = this.openLink(id) !== null;
      if (event.kind === 'up' && !this.upIds.has(id)) {
        this.upIds.add(id);
        this.onChange(id, true);
        this.flush(id);
      } else if (event.kind === 'down' && !open && this.upIds.has(id)) {
        this.upIds.delete(id);
        this.onChange(id, false);
      }
    });
  }

  /** An open relay link to `id`, preferring the oldest (both sides then tend to use the same socket). */
  openLink(id: string): Link | null {
    return this.connections.linksTo(id).find((l) => l.role === 'relay') ?? null;
  }

  /** Makes sure a link to `ref` is open or being dialed. */
  ensure(ref: NodeRef): void {
    if (this.openLink(ref.id) === null) void this.dial(ref);
  }

  /** A link to `ref` (reused, or dialed with its expected id); rejects UNAVAILABLE when it cannot be reached. */
  async linkTo(ref: NodeRef): Promise<Link> {
    const open = this.openLink(ref.id);
    if (open !== null) return open;
    const link = await this.dial(ref, true);
    if (link === null) throw new PeerTreeError('UNAVAILABLE', `relay ${ref.id} at ${ref.url} cannot be reached`);
    return link;
  }

  /** Queues one tree frame for `ref`; it leaves at once on an open link, else after a dial. Never throws. */
  send(ref: NodeRef, type: string, body: unknown): void {
    if (this.stopped) return;
    const link = this.openLink(ref.id);
    const queue = this.queues.get(ref.id);
    if (link !== null && queue === undefined) {
      this.write(link, type, body);
      return;
    }
    const q = queue ?? { ref, frames: [] };
    q.ref = ref;
    q.frames.push({ type, body });
    if (q.frames.length > MAX_QUEUED_PER_PEER) {
      q.frames.shift();
      this.counters['send-dropped']!++;
    }
    this.queues.set(ref.id, q);
    if (link !== null) this.flush(ref.id);
    else void this.dial(ref);
  }

  /** The tree no longer needs `ref`: close the links this relay dialed to it (the other side closes its own). */
  release(ref: NodeRef, keep: (id: string) => boolean): void {
    if (keep(ref.id)) return;
    for (const link of this.connections.linksTo(ref.id))
      if (link.direction === 'out' && link.role === 'relay') link.close(1000, 'no longer a tree neighbour');
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.queues.clear();
  }

  private write(link: Link, type: string, body: unknown): void {
    const pre = this.preface(type);
    if (pre !== null) {
      const done = this.prefaced.get(link) ?? new Set<string>();
      if (!done.has(pre.type)) {
        done.add(pre.type);
        this.prefaced.set(link, done);
        this.write(link, pre.type, pre.body);
      }
    }
    this.counters['frames-sent']!++;
    sendTreeFrame(link, type, body).catch((err: unknown) => {
      this.counters['send-failed']!++;
      this.components.logger.debug('tree frame not sent', { to: link.peerId, type, error: String(err) });
    });
  }

  private flush(id: string): void {
    const q = this.queues.get(id);
    const link = this.openLink(id);
    if (q === undefined || link === null) return;
    this.queues.delete(id);
    for (const f of q.frames) this.write(link, f.type, f.body);
  }

  private dial(ref: NodeRef, ignoreBackoff = false): Promise<Link | null> {
    const pending = this.dialing.get(ref.id);
    if (pending !== undefined) return pending;
    const now = this.components.clock.monotonic();
    const failed = this.failedAt.get(ref.id);
    if (!ignoreBackoff && failed !== undefined && now - failed < DIAL_BACKOFF_MS) {
      this.dropQueue(ref.id);
      return Promise.resolve(null);
    }
    this.counters.dials!++;
    const attempt = this.connections
      .dial(ref.url, { expectedId: ref.id, timeoutMs: DIAL_TIMEOUT_MS })
      .then(
        (link) => {
          this.failedAt.delete(ref.id);
          this.flush(ref.id);
          return link;
        },
        (err: unknown) => {
          this.counters['dial-failed']!++;
          this.failedAt.set(ref.id, this.components.clock.monotonic());
          this.components.logger.debug('tree dial failed', { to: ref.id, url: ref.url, error: String(err) });
          // An inbound link may have come up meanwhile; otherwise the queued frames are dropped.
          if (this.openLink(ref.id) !== null) this.flush(ref.id);
          else this.dropQueue(ref.id);
          return null;
        },
      )
      .finally(() => this.dialing.delete(ref.id));
    this.dialing.set(ref.id, attempt);
    return attempt;
  }

  private dropQueue(id: string): void {
    const q = this.queues.get(id);
    if (q === undefined) return;
    this.counters['send-dropped']! += q.frames.length;
    this.queues.delete(id);
  }
}
