// The server side of a connection: send a signed hello, wait for the peer's auth (bounded in time), answer
// with welcome, then hand the socket over to a Link bound to the key that answered.
import type { WebSocket } from 'ws';
import { HANDSHAKE_TIMEOUT_MS } from '../../core/limits.ts';
import { AUTH, HELLO, WELCOME, readAuth, type FrameVerifier, type Message } from '../../core/wire/index.ts';
import { toHex } from '../../core/bytes.ts';
import type { Identity } from '../../core/identity/index.ts';
import type { Components } from '../components.ts';
import type { DropCounters } from './drop-counters.ts';
import { dropAnswerer } from './drop-answer.ts';
import { attachIngress } from './ingress.ts';
import { Link } from './link.ts';
import { closeWith, sendSigned } from './signed-send.ts';

export interface ServerSessionDeps {
  readonly identity: Identity;
  readonly treeId: () => string;
  readonly components: Components;
  /** The relay-wide verifier (tree id, freshness, replay memory, drop counters). */
  readonly verifier: FrameVerifier;
  readonly counters: DropCounters;
  readonly handshakeTimeoutMs?: number;
  /** Called once the peer has proven its key. */
  readonly onAuthenticated: (link: Link) => void;
  /** Verified messages from authenticated peers (usually Dispatcher.dispatch). */
  readonly onMessage: (message: Message, link: Link) => void | Promise<void>;
  /** Per-address rate limit, checked for every frame before it is verified. */
  readonly admitFrame?: () => boolean;
}

/** Runs the handshake on a freshly accepted socket. Never throws; failures close the socket. */
export function acceptSocket(ws: WebSocket, remote: string, deps: ServerSessionDeps): void {
  const { components, counters, identity } = deps;
  const { logger, timers } = components;
  const nonce = toHex(components.rng.bytes(32));
  let done = false;
  let authenticated = false;

  const timer = timers.setTimeout(() => {
    if (done) return;
    done = true;
    counters['handshake-timeout']++;
    logger.info('handshake timed out', { remote });
    closeWith(ws, 'TIMEOUT', 'handshake timeout');
  }, deps.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);

  ws.on('close', () => {
    done = true;
    timers.clearTimeout(timer);
    ingress.stop();
  });

  const beforeAuth = async (message: Message) => {
    if (done) return;
    if (message.type !== AUTH) {
      // HELLO/WELCOME from a client, or an application message before proving a key: not acted on.
      counters[message.type === HELLO || message.type === WELCOME ? 'handshake-failed' : 'unauthenticated']++;
      return;
    }
    const auth = readAuth(message, nonce);
    if (auth === null) {
      done = true;
      timers.clearTimeout(timer);
      counters['handshake-failed']++;
      closeWith(ws, 'FORBIDDEN', 'handshake answer does not match the challenge');
      return;
    }
    done = true;
    authenticated = true;
    timers.clearTimeout(timer);
    const bound = new Link({
      ws,
      identity,
      peerKey: message.fromKey,
      peerId: message.fromId,
      role: auth.role,
      url: auth.url,
      direction: 'in',
      treeId: deps.treeId,
      components,
      counters,
      onMessage: deps.onMessage,
    });
    // Route frames to the link before the welcome leaves, so nothing the peer sends after it is missed.
    ingress.setHandler((m) => bound.receive(m));
    try {
      await sendSigned(ws, identity, components, {
        type: WELCOME,
        tree: deps.treeId(),
        body: { challenge: auth.challenge },
      });
    } catch (err) {
      logger.debug('could not send welcome', { remote, error: String(err) });
      closeWith(ws, 'INTERNAL');
      return;
    }
    deps.onAuthenticated(bound);
  };

  // A refused frame its sender can act on is answered (a close, or a bounded signed peer.error), so the sender's
  // request fails at once with the refusal's code instead of waiting for its time-out.
  const onDrop = dropAnswerer({
    ws,
    identity,
    components,
    counters,
    treeId: deps.treeId,
    authenticated: () => authenticated,
  });
  const ingress = attachIngress(ws, deps.verifier, counters, logger, beforeAuth, onDrop, deps.admitFrame);

  sendSigned(ws, identity, components, { type: HELLO, tree: deps.treeId(), body: { nonce, role: 'relay' } }).catch(
    (err: unknown) => {
      logger.debug('could not send hello', { remote, error: String(err) });
      closeWith(ws, 'INTERNAL');
    },
  );
}
