// peer.ping → peer.pong: the first real message handler, a round trip that echoes a small nonce.
import { PeerTreeError } from '../../core/errors.ts';
import type { Dispatcher } from './dispatcher.ts';

export const PING = 'peer.ping';
export const PONG = 'peer.pong';
const NONCE_RE = /^[0-9A-Za-z_-]{1,64}$/;

/** The nonce of a ping body `{ nonce }`; throws BAD_INPUT for anything else. */
export function pingNonce(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new PeerTreeError('BAD_INPUT', 'ping body must be an object');
  const nonce = (body as Record<string, unknown>).nonce;
  if (typeof nonce !== 'string' || !NONCE_RE.test(nonce))
    throw new PeerTreeError('BAD_INPUT', 'ping nonce must be 1–64 url-safe characters');
  return nonce;
}

export function registerPing(dispatcher: Dispatcher, now: () => number): () => void {
  return dispatcher.on(PING, async (message, link) => {
    const nonce = pingNonce(message.body);
    await link.reply(message, PONG, { nonce, ts: now() });
  });
}
