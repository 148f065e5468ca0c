// One WebSocket to a relay's /ws: signed challenge-response handshake, then verified frames; reconnects with backoff.
import type { Identity } from '../../../core/identity/identity.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { HANDSHAKE_TIMEOUT_MS, PWA_MAX_PENDING_REQUESTS, REQUEST_TIMEOUT_MS } from '../../../core/limits.ts';
import { PendingRequests, type RequestTimers } from '../../../core/protocol/pending-requests.ts';
import { clockWords, closeRefusal, unreadableReply } from '../../../core/protocol/frame-refusals.ts';
import type { Requester, RequestOptions } from '../../../core/protocol/requester.ts';
import {
  AUTH,
  FrameVerifier,
  HANDSHAKE_TYPES,
  encodeFrame,
  isWelcome,
  newMessageId,
  newNonce,
  readHello,
  type Message,
} from '../../../core/wire/index.ts';
import { Backoff } from './backoff.ts';

/**
 * idle: not started or stopped · connecting: TCP/WebSocket opening · handshaking: open, proving keys ·
 * ready: the relay proved its key and accepted ours · waiting: closed, a retry is scheduled.
 */
export type SocketState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'waiting';

export interface RelaySocketOptions {
  /** The relay's base URL (http(s)://host:port); the socket goes to ws(s)://host:port/ws. */
  readonly relayUrl: string | URL;
  readonly identity: Identity;
  readonly backoff?: Backoff;
  readonly now?: () => number;
}

export interface RelaySocketEvents {
  state: CustomEvent<{ state: SocketState; relayId: string | null; lastError: string | null }>;
  message: CustomEvent<Message>;
}

/** The WebSocket URL of a relay's base URL. */
export function socketUrlOf(relayUrl: string | URL): string {
  const url = new URL('/ws', relayUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

const browserTimers: RequestTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class RelaySocket extends EventTarget implements Requester {
  state: SocketState = 'idle';
  /** Node id of the relay, known once it signed its hello. */
  relayId: string | null = null;
  treeId: string | null = null;
  lastError: string | null = null;

  private ws: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private challenge: string | null = null;
  private verifier: FrameVerifier;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private url: string;
  private readonly pending = new PendingRequests(browserTimers, PWA_MAX_PENDING_REQUESTS);

  constructor(private readonly options: RelaySocketOptions) {
    super();
    this.url = socketUrlOf(options.relayUrl);
    this.baseUrl = new URL(options.relayUrl).origin;
    this.backoff = options.backoff ?? new Backoff();
    this.now = options.now ?? Date.now;
    this.verifier = this.newVerifier();
  }

  start(): void {
    if (this.state === 'idle') this.connect();
  }

  /** Closes the socket and stops retrying. */
  stop(): void {
    clearTimeout(this.retryTimer);
    this.teardown();
    this.setState('idle');
  }

  /** Skips the remaining backoff (e.g. the browser came back online); no-op while connected. */
  retryNow(): void {
    if (this.state !== 'waiting') return;
    clearTimeout(this.retryTimer);
    this.backoff.reset();
    this.connect();
  }

  /** The relay base URL this socket talks to. */
  get relayUrl(): string {
    return this.baseUrl;
  }

  private baseUrl: string;

  /** Points the socket at another relay (failover); reconnects at once unless stopped. */
  setRelayUrl(relayUrl: string): void {
    const next = socketUrlOf(relayUrl);
    this.baseUrl = new URL(relayUrl).origin;
    if (next === this.url) return;
    this.url = next;
    if (this.state === 'idle') return;
    clearTimeout(this.retryTimer);
    this.backoff.reset();
    this.connect();
  }

  /**
   * Sends a signed request and resolves with the reply whose `body.re` is its id. A `peer.error` reply rejects
   * with its code (`refused` set); so do a closed socket (CLOSED), a socket that is not ready (UNAVAILABLE) and
   * silence (TIMEOUT). The frame is signed now, at send time: nothing signed is ever kept for later.
   */
  async request(
    type: string,
    body: unknown,
    timeoutMs: number = REQUEST_TIMEOUT_MS,
    options: RequestOptions = {},
  ): Promise<Message> {
    const ws = this.ws;
    if (this.state !== 'ready' || !ws || this.treeId === null)
      throw new PeerTreeError('UNAVAILABLE', 'not connected to a relay');
    const id = newMessageId();
    const frame = await encodeFrame(
      {
        type,
        tree: this.treeId,
        to: null,
        body,
        ts: this.now(),
        id,
        ...(options.payload ? { payload: options.payload } : {}),
      },
      this.options.identity,
    );
    if (this.ws !== ws || ws.readyState !== WebSocket.OPEN)
      throw new PeerTreeError('CLOSED', 'the connection to the relay closed');
    const reply = this.pending.wait(id, type, timeoutMs);
    if (this.pending.has(id)) ws.send(frame);
    return reply;
  }

  /** Resolves once the socket is ready, or rejects after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeEventListener('state', onState);
        reject(new PeerTreeError('UNAVAILABLE', 'no relay reachable'));
      }, timeoutMs);
      const onState = (): void => {
        if (this.state !== 'ready') return;
        clearTimeout(timer);
        this.removeEventListener('state', onState);
        resolve();
      };
      this.addEventListener('state', onState);
    });
  }

  /** Sends a signed message to the connected relay; false when not ready. */
  async send(type: string, body: unknown, payload?: Uint8Array): Promise<boolean> {
    const ws = this.ws;
    if (this.state !== 'ready' || !ws || this.treeId === null) return false;
    const frame = await encodeFrame(
      { type, tree: this.treeId, to: null, body, ts: this.now(), ...(payload ? { payload } : {}) },
      this.options.identity,
    );
    if (ws.readyState !== WebSocket.OPEN) return false;
    ws.send(frame);
    return true;
  }

  private newVerifier(): FrameVerifier {
    return new FrameVerifier({ treeId: () => this.treeId, now: this.now, treeExemptTypes: HANDSHAKE_TYPES });
  }

  private connect(): void {
    this.teardown();
    this.relayId = null;
    this.treeId = null;
    this.challenge = null;
    this.verifier = this.newVerifier();
    this.setState('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.setState('handshaking');
      this.handshakeTimer = setTimeout(() => this.fail('handshake timed out'), HANDSHAKE_TIMEOUT_MS);
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (!(event.data instanceof ArrayBuffer)) return this.fail('relay sent a text frame');
      void this.receive(ws, new Uint8Array(event.data));
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      // A close for a refused frame (stale clock, rate, tree) fails the waiting requests with its own code.
      const refusal = closeRefusal(event.code, event.reason, this.now());
      if (refusal !== null) this.pending.rejectAll(refusal);
      this.fail(refusal?.message ?? `closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
    };
    ws.onerror = () => {
      // A close event always follows; it schedules the retry.
    };
  }

  private async receive(ws: WebSocket, frame: Uint8Array): Promise<void> {
    const result = await this.verifier.verify(frame);
    if (this.ws !== ws) return;
    if (!result.ok) {
      // Before the handshake completes a bad frame ends the connection; afterwards it is only counted.
      if (this.state === 'ready') {
        // A reply refused as stale or foreign (the relay's clock or tree disagrees) fails its request now.
        const unread = unreadableReply(result.reason, result.frame, this.now());
        if (unread !== null) this.pending.fail(unread.re, unread.error);
        return;
      }
      // The relay's hello carries its time: a stale one says how far this device's clock is off.
      if (result.reason === 'stale') this.fail(clockWords(this.now(), result.frame?.ts ?? null));
      else this.fail(`handshake frame dropped: ${result.reason}`);
      return;
    }
    const message = result.message;
    if (this.state === 'handshaking' && this.challenge === null) {
      const hello = readHello(message);
      if (!hello) return this.fail('expected a hello from the relay');
      this.relayId = message.fromId;
      this.treeId = message.tree === '' ? null : message.tree;
      this.challenge = newNonce();
      const auth = await encodeFrame(
        {
          type: AUTH,
          tree: message.tree,
          to: null,
          ts: this.now(),
          body: { nonce: hello.nonce, challenge: this.challenge, role: 'client', url: null },
        },
        this.options.identity,
      );
      if (this.ws === ws && ws.readyState === WebSocket.OPEN) ws.send(auth);
      return;
    }
    if (this.state === 'handshaking') {
      if (!isWelcome(message, this.challenge ?? '', this.relayId ?? undefined))
        return this.fail('relay did not answer our challenge');
      clearTimeout(this.handshakeTimer);
      this.backoff.reset();
      this.lastError = null;
      this.setState('ready');
      return;
    }
    if (message.fromId !== this.relayId) return; // after the handshake, only the relay that proved its key speaks here
    if (this.pending.settle(message) !== 'message') return;
    this.dispatchEvent(new CustomEvent('message', { detail: message }));
  }

  private fail(reason: string): void {
    this.lastError = reason;
    this.teardown();
    if (this.state === 'idle') return;
    const delay = this.backoff.next();
    this.setState('waiting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private teardown(): void {
    clearTimeout(this.handshakeTimer);
    this.pending.rejectAll(new PeerTreeError('CLOSED', 'the connection to the relay closed'));
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
    }
  }

  private setState(state: SocketState): void {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(
      new CustomEvent('state', { detail: { state, relayId: this.relayId, lastError: this.lastError } }),
    );
  }
}
