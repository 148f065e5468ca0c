// An authenticated connection to one peer (either direction): signed sends with backpressure, requests with
// replies correlated by `body.re`, and the check that every frame comes from the key the handshake bound.
import { WebSocket } from 'ws';
import { toHex, equalBytes } from '../../core/bytes.ts';
import { PeerTreeError } from '../../core/errors.ts';
import type { Identity } from '../../core/identity/index.ts';
import {
  LINK_FULL_POLL_MS,
  LINK_MAX_BUFFERED_BYTES,
  MAX_EARLY_SIGNATURES,
  MAX_INFLIGHT_HANDLERS,
  MAX_LINK_PENDING_REQUESTS,
  REQUEST_TIMEOUT_MS,
} from '../../core/limits.ts';
import { PendingRequests } from '../../core/protocol/pending-requests.ts';
import { ERROR_TYPE, refusalBody, replyTo } from '../../core/protocol/replies.ts';
import { closeRefusal } from '../../core/protocol/frame-refusals.ts';
import type { Requester } from '../../core/protocol/requester.ts';
import { encodeFrame, type Message, type PeerRole } from '../../core/wire/index.ts';
import type { Components } from '../components.ts';
import type { DropCounters } from './drop-counters.ts';
import { nextMessageId } from './message-ids.ts';

export interface SendOptions {
  readonly payload?: Uint8Array;
  /** SHA-256 of `payload` when already known (see OutgoingMessage.payloadDigest): saves hashing it again. */
  readonly payloadDigest?: Uint8Array;
  /** Recipient node id; null (default) addresses the directly connected peer or a broadcast. */
  readonly to?: string | null;
  /** Message id (32 hex chars); random when absent. */
  readonly id?: string;
}

export interface LinkInit {
  readonly ws: WebSocket;
  readonly identity: Identity;
  readonly peerKey: Uint8Array;
  readonly peerId: string;
  readonly role: PeerRole;
  /** The peer's own URL when it said so in the handshake (relays), else null. */
  readonly url: string | null;
  readonly direction: 'in' | 'out';
  /** Tree id stamped on outgoing frames. */
  readonly treeId: () => string;
  readonly components: Components;
  readonly counters: DropCounters;
  /** Messages that are not replies to our own requests. */
  readonly onMessage: (message: Message, link: Link) => void | Promise<void>;
  readonly maxBufferedBytes?: number;
  /**
   * How long a send waits for room in the socket's buffer before it fails FULL; 0 (the default, relays' side):
   * at once, so a peer that does not read costs the relay nothing. A client's own links wait (core/limits.ts
   * CLIENT_FULL_WAIT_MS): a slow uplink is a reason to wait, not to fail a put.
   */
  readonly fullWaitMs?: number;
}

export class Link implements Requester {
  readonly peerId: string;
  readonly peerKey: Uint8Array;
  readonly peerKeyHex: string;
  readonly role: PeerRole;
  readonly url: string | null;
  readonly direction: 'in' | 'out';
  private readonly pending: PendingRequests;
  private readonly closeListeners: ((code: number, reason: string) => void)[] = [];
  private sendChain: Promise<unknown> = Promise.resolve();
  private inflight = 0;
  private slotWaiters: (() => void)[] = [];
  private closed = false;
  private earlySignatures = 0;

  constructor(private readonly init: LinkInit) {
    this.peerId = init.peerId;
    this.peerKey = init.peerKey;
    this.peerKeyHex = toHex(init.peerKey);
    this.role = init.role;
    this.url = init.url;
    this.direction = init.direction;
    this.pending = new PendingRequests(init.components.timers, MAX_LINK_PENDING_REQUESTS);
    init.ws.on('close', (code: number, reason: Buffer) => this.handleClose(code, reason.toString('utf8')));
  }

  /** Tree id this link stamps on outgoing frames. */
  get treeId(): string {
    return this.init.treeId();
  }

  get isOpen(): boolean {
    return !this.closed && this.init.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the socket, not yet written to the network. */
  get bufferedAmount(): number {
    return this.init.ws.bufferedAmount;
  }

  onClose(listener: (code: number, reason: string) => void): void {
    if (this.closed) listener(1006, 'already closed');
    else this.closeListeners.push(listener);
  }

  /**
   * Signs and sends one frame; resolves with its message id once it is handed to the socket. Sends leave in
   * call order. Rejects with CLOSED when the link is closed and FULL when the peer is not reading.
   */
  send(type: string, body: unknown, options: SendOptions = {}): Promise<string> {
    const id = options.id ?? nextMessageId(this.init.components.rng);
    // async: whatever goes wrong while encoding (a clock, a tree id, misuse) rejects this send, never throws out of it
    const encode = async () =>
      encodeFrame(
        {
          type,
          tree: this.init.treeId(),
          to: options.to ?? null,
          body,
          ts: this.init.components.clock.now(),
          id,
          ...(options.payload ? { payload: options.payload } : {}),
          ...(options.payloadDigest ? { payloadDigest: options.payloadDigest } : {}),
        },
        this.init.identity,
      );
    // A frame without payload is small: it is signed at once, beside the frames before it (signing runs on the
    // threadpool), and only its write waits its turn. A frame with a payload is built when its turn comes, so
    // that a burst of large sends never holds more than one assembled frame beyond what the socket buffers.
    const early = options.payload === undefined || options.payload.length === 0 ? this.encodeEarly(encode) : null;
    const result = this.sendChain.then(async () => {
      if (!this.isOpen) throw new PeerTreeError('CLOSED', 'link is closed');
      const frame = await (early ?? encode());
      if (!this.isOpen) throw new PeerTreeError('CLOSED', 'link is closed');
      const limit = this.init.maxBufferedBytes ?? LINK_MAX_BUFFERED_BYTES;
      await this.roomFor(frame.length, limit);
      if (!this.isOpen) throw new PeerTreeError('CLOSED', 'link is closed');
      if (this.init.ws.bufferedAmount + frame.length > limit) {
        this.init.counters.backpressure++;
        throw new PeerTreeError(
          'FULL',
          `peer ${this.peerId} is not reading (${this.init.ws.bufferedAmount} bytes buffered)`,
        );
      }
      this.init.ws.send(frame, { binary: true });
      return id;
    });
    this.sendChain = result.catch(() => {});
    return result;
  }

  /** Waits (polling, at most fullWaitMs) until `bytes` more fit under `limit` or the link closes. */
  private async roomFor(bytes: number, limit: number): Promise<void> {
    const steps = Math.ceil((this.init.fullWaitMs ?? 0) / LINK_FULL_POLL_MS);
    for (let i = 0; i < steps && this.isOpen && this.init.ws.bufferedAmount + bytes > limit; i++)
      await new Promise<void>((resolve) => this.init.components.timers.setTimeout(resolve, LINK_FULL_POLL_MS));
  }

  /** Starts signing a small frame now when fewer than MAX_EARLY_SIGNATURES are being signed; else null. */
  private encodeEarly(encode: () => Promise<Uint8Array>): Promise<Uint8Array> | null {
    if (!this.isOpen || this.earlySignatures >= MAX_EARLY_SIGNATURES) return null;
    this.earlySignatures++;
    const frame = encode();
    const done = () => {
      this.earlySignatures--;
    };
    frame.then(done, done);
    return frame;
  }

  /** Sends a message and waits for the reply whose body.re is its id; peer.error replies reject (see Requester). */
  request(
    type: string,
    body: unknown,
    timeoutMs: number = REQUEST_TIMEOUT_MS,
    options: Omit<SendOptions, 'id'> = {},
  ): Promise<Message> {
    const id = nextMessageId(this.init.components.rng);
    const reply = this.pending.wait(id, type, timeoutMs);
    // Sent only when it waits (a full table refused it at once).
    if (this.pending.has(id))
      this.send(type, body, { ...options, id }).catch((err: unknown) => this.pending.fail(id, err));
    return reply;
  }

  /** The type of this link's waiting request `id`, or null (none waits with that id). */
  pendingType(id: string): string | null {
    return this.pending.typeOf(id);
  }

  /** Fails waiting request `id` with `error` (a reply to it was refused unread: see unreadableReply). */
  failRequest(id: string, error: PeerTreeError): void {
    this.pending.fail(id, error);
  }

  /** Answers `message` with `type`; the body gets `re: message.id` (so `body` must be an object). */
  reply(
    message: Message,
    type: string,
    body: Record<string, unknown> = {},
    options: Omit<SendOptions, 'id'> = {},
  ): Promise<string> {
    return this.send(type, { ...body, re: message.id }, options);
  }

  /** Answers a request with peer.error; never answers a message that is itself a reply (no error ping-pong). */
  async replyError(message: Message, error: PeerTreeError): Promise<void> {
    if (replyTo(message.body) !== null || !this.isOpen) return;
    await this.reply(message, ERROR_TYPE, refusalBody(error));
  }

  /**
   * Takes a verified message from this link's socket: drops it unless it comes from the bound key, settles a
   * waiting request if it is a reply, otherwise hands it to onMessage. Resolves quickly; waits only when
   * too many handlers are running, which pauses reading from the socket.
   */
  async receive(message: Message): Promise<void> {
    if (!equalBytes(message.fromKey, this.peerKey)) {
      this.init.counters['wrong-sender']++;
      return;
    }
    const settled = this.pending.settle(message);
    if (settled === 'answered') return;
    if (settled === 'stray-refusal') {
      this.init.counters['unexpected-reply']++;
      return;
    }
    while (this.inflight >= MAX_INFLIGHT_HANDLERS && !this.closed)
      await new Promise<void>((r) => this.slotWaiters.push(r));
    if (this.closed) return;
    this.inflight++;
    void (async () => {
      try {
        await this.init.onMessage(message, this);
      } catch {
        this.init.counters['handler-error']++;
      } finally {
        this.inflight--;
        this.slotWaiters.shift()?.();
      }
    })();
  }

  /** Closes the link; `code` is a WebSocket close code (see ERROR_TABLE). */
  close(code = 1000, reason = ''): void {
    if (this.init.ws.readyState === WebSocket.OPEN || this.init.ws.readyState === WebSocket.CONNECTING) {
      this.init.ws.close(code, reason.slice(0, 120));
    }
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.init.ws.terminate();
  }

  private handleClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // A close for a refused frame (stale clock, rate, tree) fails the waiting requests with its own code.
    this.pending.rejectAll(
      closeRefusal(code, reason, this.init.components.clock.now()) ??
        new PeerTreeError('CLOSED', `link closed (${code}${reason ? ` ${reason}` : ''})`),
    );
    for (const wake of this.slotWaiters.splice(0)) wake();
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener(code, reason);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }
}
