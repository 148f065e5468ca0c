// Connection-level drop counters, kept beside the FrameVerifier's wire-format counters and shown in /api/status.

export const LINK_DROP_REASONS = [
  /** A verified frame after the handshake whose `from` is not the key the connection is bound to. */
  'wrong-sender',
  /** A verified non-handshake frame before the handshake finished. */
  'unauthenticated',
  /** A handshake answer that did not match our challenge, or came from an unexpected node. */
  'handshake-failed',
  /** The peer did not finish the handshake in time. */
  'handshake-timeout',
  /** A text WebSocket message (the protocol uses binary frames only). */
  'not-binary',
  /** A WebSocket message above the transport's size limit (the connection is closed with 1009). */
  'too-large',
  /** A WebSocket protocol violation: invalid UTF-8 in a text message, bad opcode, unmasked frame, … (closed). */
  'protocol-error',
  /** Too many frames waiting to be verified on one connection. */
  'inbound-overflow',
  /** A send refused because the peer is not reading (socket buffer over its limit). */
  'backpressure',
  /** A verified message of a type no handler is registered for. */
  'unhandled-type',
  /** A reply whose request is unknown or already answered. */
  'unexpected-reply',
  /** A handler threw while processing a message. */
  'handler-error',
  /** An upgrade refused because the address already has the maximum number of connections. */
  'connection-limit',
  /** A frame over its address's or key's message rate (token bucket); closed with 4429 when it goes on. */
  'rate-limited',
  /** A connection closed for sending too many rate-limited frames in a row. */
  'rate-limit-close',
  /** A connection that did not answer a keep-alive ping within the interval (dead, frozen or stuck). */
  'keepalive-timeout',
  /** A connection whose peer left more than SLOW_CLIENT_BUFFERED_BYTES unread for a whole interval. */
  'slow-client',
  /** A refused frame answered with a signed peer.error (replay memory full for its key or for all; bounded). */
  'refusal-reply',
  /** A connection closed with a refusal's code (stale clock, foreign tree, or too many refusal answers). */
  'refusal-close',
] as const;

export type LinkDropReason = (typeof LINK_DROP_REASONS)[number];

export type DropCounters = Record<LinkDropReason, number>;

export function newDropCounters(): DropCounters {
  return Object.fromEntries(LINK_DROP_REASONS.map((r) => [r, 0])) as DropCounters;
}
