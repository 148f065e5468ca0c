// The client side of a connection (CLI, tests, and relay-to-relay links): dial wss://…/ws, accept a
// self-signed certificate for this one socket, and trust the peer through the signed handshake instead.
import { WebSocket } from 'ws';
import { toHex } from '../../core/bytes.ts';
import { PeerTreeError } from '../../core/errors.ts';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { CLIENT_FULL_WAIT_MS, HANDSHAKE_TIMEOUT_MS, MAX_FRAME_BYTES } from '../../core/limits.ts';
import {
  AUTH,
  FrameVerifier,
  HANDSHAKE_TYPES,
  isWelcome,
  readHello,
  type Message,
  type PeerRole,
} from '../../core/wire/index.ts';
import { withDefaults, type Components } from '../components.ts';
import { silentLogger } from '../log-contract.ts';
import { newDropCounters, type DropCounters } from './drop-counters.ts';
import { dropAnswerer } from './drop-answer.ts';
import { attachIngress, type DropHandler } from './ingress.ts';
import { Link } from './link.ts';
import { closeWith, errorCodeForClose, sendSigned } from './signed-send.ts';
import { clockWords, closeRefusal, unreadableReply } from '../../core/protocol/frame-refusals.ts';

export interface ConnectOptions {
  /** Our signing identity; a fresh throwaway one when absent (CLI clients). */
  readonly identity?: Identity;
  /** Refuse the relay unless its node id is this one. */
  readonly expectedId?: string;
  readonly role?: PeerRole;
  /** Our own public URL (relays dialing relays); null for clients. */
  readonly selfUrl?: string | null;
  /** Limit for connecting plus the handshake. */
  readonly timeoutMs?: number;
  readonly components?: Partial<Components>;
  /** Verifier for incoming frames; a relay passes its own (shared replay memory and counters). */
  readonly verifier?: FrameVerifier;
  readonly counters?: DropCounters;
  /** Messages from the peer that are not replies to our requests. */
  readonly onMessage?: (message: Message, link: Link) => void | Promise<void>;
}

/** Accepts https://host:port, wss://host:port and either with the /ws path; returns the WebSocket URL. */
export function toWebSocketUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PeerTreeError('BAD_INPUT', `not a URL: ${url}`);
  }
  const protocols: Record<string, string> = { 'https:': 'wss:', 'wss:': 'wss:', 'http:': 'ws:', 'ws:': 'ws:' };
  const protocol = protocols[u.protocol];
  if (!protocol)
    throw new PeerTreeError('BAD_INPUT', `relay URL must be https://, wss://, http:// or ws://, got ${u.protocol}`);
  if (u.username || u.password) throw new PeerTreeError('BAD_INPUT', 'credentials in relay URLs are not allowed');
  const path = u.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== '/ws')
    throw new PeerTreeError('BAD_INPUT', `relay URL path must be empty or /ws, got ${u.pathname}`);
  return `${protocol}//${u.host}/ws`;
}

function zeroMask(mask: Uint8Array): void {
  mask.fill(0);
}

/** Connects, runs the handshake, and resolves with a Link bound to the relay's key. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Link> {
  const wsUrl = toWebSocketUrl(url);
  const components = withDefaults(options.components ?? {}, () => silentLogger);
  const identity = options.identity ?? (await generateIdentity()).identity;
  const counters = options.counters ?? newDropCounters();
  const timeoutMs = options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS;
  let treeId: string | null = null;
  const verifier =
    options.verifier ??
    new FrameVerifier({ treeId: () => treeId, now: () => components.clock.now(), treeExemptTypes: HANDSHAKE_TYPES });
  const { timers } = components;

  const ws = new WebSocket(wsUrl, {
    // Trust comes from the handshake signatures, not from a CA: this socket, and only this one, takes any certificate.
    rejectUnauthorized: false,
    perMessageDeflate: false,
    maxPayload: MAX_FRAME_BYTES,
    handshakeTimeout: timeoutMs,
    // An all-zero masking key: ws then sends a 1 MiB frame as is instead of allocating a masked copy, and the
    // receiver skips the unmasking pass. Masking protects non-WebSocket proxies from script-chosen bytes in
    // browsers; this is a Node client over TLS, where no intermediary sees the bytes (ws offers this option).
    generateMask: zeroMask,
  });

  return new Promise<Link>((resolve, reject) => {
    let settled = false;
    let helloKey: Uint8Array | null = null;
    let challenge: string | null = null;
    let linkRef: Link | null = null;

    const fail = (err: PeerTreeError, closeCode?: Parameters<typeof closeWith>[1]) => {
      if (settled) return;
      settled = true;
      timers.clearTimeout(timer);
      ingress.stop();
      if (closeCode) closeWith(ws, closeCode, err.message);
      else ws.terminate();
      reject(err);
    };

    const timer = timers.setTimeout(
      () => fail(new PeerTreeError('TIMEOUT', `no handshake with ${wsUrl} within ${timeoutMs} ms`), 'TIMEOUT'),
      timeoutMs,
    );

    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') counters['too-large']++;
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
      const code = status === '429' ? 'RATE_LIMITED' : status === '503' ? 'UNAVAILABLE' : 'UNAVAILABLE';
      fail(new PeerTreeError(code, `cannot connect to ${wsUrl}: ${err.message}`));
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const text = reason.toString('utf8');
      fail(
        closeRefusal(code, text, components.clock.now()) ??
          new PeerTreeError(
            errorCodeForClose(code),
            `relay closed the connection during the handshake (${code} ${text})`,
          ),
      );
    });

    const handshake = async (message: Message) => {
      if (settled) return;
      if (helloKey === null) {
        const hello = readHello(message);
        if (hello === null) return; // anything before a valid hello is ignored
        if (options.expectedId !== undefined && message.fromId !== options.expectedId) {
          fail(
            new PeerTreeError('FORBIDDEN', `relay is ${message.fromId}, expected ${options.expectedId}`),
            'FORBIDDEN',
          );
          return;
        }
        helloKey = message.fromKey;
        treeId = message.tree === '' ? null : message.tree;
        challenge = toHex(components.rng.bytes(32));
        try {
          await sendSigned(ws, identity, components, {
            type: AUTH,
            tree: message.tree,
            body: { nonce: hello.nonce, challenge, role: options.role ?? 'client', url: options.selfUrl ?? null },
          });
        } catch (err) {
          fail(err instanceof PeerTreeError ? err : new PeerTreeError('UNAVAILABLE', String(err)));
        }
        return;
      }
      if (!isWelcome(message, challenge!, options.expectedId)) return;
      if (toHex(message.fromKey) !== toHex(helloKey)) {
        fail(new PeerTreeError('FORBIDDEN', 'welcome signed by a different key than hello'), 'FORBIDDEN');
        return;
      }
      settled = true;
      timers.clearTimeout(timer);
      const bound = treeId;
      const link = new Link({
        ws,
        identity,
        peerKey: helloKey,
        peerId: message.fromId,
        role: 'relay',
        url: url,
        direction: 'out',
        treeId: () => bound ?? '',
        components,
        counters,
        onMessage: options.onMessage ?? (() => {}),
        // A client's sends wait for its own uplink; a relay dialling a relay fails fast as its accepted links do.
        fullWaitMs: (options.role ?? 'client') === 'client' ? CLIENT_FULL_WAIT_MS : 0,
      });
      linkRef = link;
      ingress.setHandler((m) => link.receive(m));
      resolve(link);
    };

    // After the handshake, a refused frame from the relay is answered as a relay answers ours (drop-answer.ts).
    // During it, a relay's frame refused as stale or foreign says so at once: the hello carries the relay's
    // time (unverified: it only words the error, a forger on the path could as well cut the connection).
    const answer = dropAnswerer({
      ws,
      identity,
      components,
      counters,
      treeId: () => treeId ?? '',
      authenticated: () => settled,
    });
    const onDrop: DropHandler = (result) => {
      if (settled) {
        // A reply our verifier refused as stale or foreign fails its request now, not at its time-out.
        const unread = unreadableReply(result.reason, result.frame, components.clock.now());
        if (unread !== null) return linkRef?.failRequest(unread.re, unread.error);
        return answer(result);
      }
      if (result.reason === 'stale')
        fail(new PeerTreeError('STALE', clockWords(components.clock.now(), result.frame?.ts ?? null)), 'STALE');
      else if (result.reason === 'foreign-tree')
        fail(
          new PeerTreeError('FOREIGN_TREE', 'the relay answered for another tree; check its address'),
          'FOREIGN_TREE',
        );
    };
    const ingress = attachIngress(ws, verifier, counters, components.logger, handshake, onDrop);
  });
}
