// Every limit of the protocol in one place; validateLimits() runs once at start-up.

/** Largest frame (header + payload + signature) a peer may send or accept. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 64 * 1024 + 128;
/** Largest JSON header inside a frame. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Largest binary payload inside a frame (one shard plus room). */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** Default shard size for stored files. */
export const DEFAULT_SHARD_BYTES = 1024 * 1024;
/**
 * A file of at most this many plaintext bytes (in one shard) travels inside its manifest: a get is then one
 * request instead of two. Base64 in the JSON manifest makes it ≈ 22 KiB, still one small frame.
 */
export const INLINE_FILE_BYTES = 16 * 1024;
/** What sealing adds to an inlined shard (the AES-GCM tag): the bound a manifest's inline data is checked against. */
export const INLINE_SEAL_OVERHEAD_BYTES = 16;
/** A message whose timestamp is further than this from the receiver's clock is stale. */
export const FRESHNESS_WINDOW_MS = 5 * 60 * 1000;
/**
 * Message ids remembered for replay detection, over all senders. Bounded and never forgotten early: an id is
 * kept until its frame's timestamp leaves the freshness window; while the memory is full, new frames are
 * refused (counted as `replay-full`) rather than older ids forgotten.
 */
export const MAX_REPLAY_ENTRIES = 200_000;
/**
 * Of those, ids remembered for one sender key: a key that holds its share has its new frames refused (counted
 * as `replay-sender-full`) until its own ids expire, so one sender can neither roll the memory over nor fill it.
 * 50,000 in one freshness window (5 min) lets a key send ≈ 166 frames/s sustained, in bursts far more.
 */
export const MAX_REPLAY_ENTRIES_PER_SENDER = 50_000;
/** Length in bytes of a message id. */
export const MESSAGE_ID_BYTES = 16;
/** Longest accepted message type name. */
export const MAX_TYPE_LENGTH = 64;
/** Time a peer has to answer the connection challenge. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Largest number of relays in one peer group (k of the k-ary tree). */
export const MAX_MAX_PEERS = 1024;
/** Default k of the k-ary tree. */
export const DEFAULT_MAX_PEERS = 4;
/** Default replica count for shards and memories. */
export const DEFAULT_REPLICAS = 3;
/** Interval between heartbeats on a tree edge. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/** A peer silent for this long is considered dead. */
export const PEER_TIMEOUT_MS = 10_000;
/** Default time a request waits for its reply. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Messages a relay keeps in its persistent outbox before refusing more. */
export const MAX_OUTBOX_MESSAGES = 10_000;
/** Largest HTTP request body the relay reads. */
export const MAX_HTTP_BODY_BYTES = 1024 * 1024;
/** Simultaneous WebSocket connections accepted from one address. */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;
/** Messages per second one key may send to a relay, over all its connections (token bucket refill rate). */
export const MAX_MESSAGES_PER_SECOND_PER_KEY = 500;
/** Messages one key may send at once before the per-second rate applies (token bucket size). */
export const MESSAGE_BURST_PER_KEY = 2_000;
/** Frames per second one remote address may send, over all its connections, checked before verification. */
export const MAX_MESSAGES_PER_SECOND_PER_ADDRESS = 4 * MAX_MESSAGES_PER_SECOND_PER_KEY;
/** Frames one address may send at once (token bucket size). */
export const MESSAGE_BURST_PER_ADDRESS = 4 * MESSAGE_BURST_PER_KEY;
/** Rate-limited frames a connection may accumulate before it is closed with RATE_LIMITED (4429)… */
export const MAX_RATE_LIMITED_STRIKES = 1_000;
/** …where this many strikes per second are forgiven (a peer over the rate by less than this is only slowed). */
export const RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND = 100;
/** Addresses and keys whose rate a relay remembers (oldest forgotten first; a forgotten one starts full). */
export const MAX_RATE_BUCKETS = 50_000;
/** A connection is pinged at this interval; one that has not answered by the next ping is cut (dead or stuck). */
export const KEEPALIVE_INTERVAL_MS = 30_000;
/** A peer that leaves more than this many bytes unread in its socket for a whole keep-alive interval is cut. */
export const SLOW_CLIENT_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Shards one owner key may pin on one relay (per-key storage quota). */
export const MAX_PINS_PER_OWNER = 1_000_000;

export interface Limits {
  readonly maxFrameBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxPayloadBytes: number;
  readonly freshnessWindowMs: number;
  readonly maxReplayEntries: number;
  readonly maxReplayEntriesPerSender: number;
}

export const LIMITS: Limits = Object.freeze({
  maxFrameBytes: MAX_FRAME_BYTES,
  maxHeaderBytes: MAX_HEADER_BYTES,
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  freshnessWindowMs: FRESHNESS_WINDOW_MS,
  maxReplayEntries: MAX_REPLAY_ENTRIES,
  maxReplayEntriesPerSender: MAX_REPLAY_ENTRIES_PER_SENDER,
});

/** Throws if the limits contradict each other; called once when a relay or app starts. */
export function validateLimits(limits: Limits = LIMITS): void {
  const positive = Object.entries(limits).filter(([, v]) => !(Number.isSafeInteger(v) && v > 0));
  if (positive.length > 0) throw new Error(`limits must be positive integers: ${positive.map(([k]) => k).join(', ')}`);
  if (limits.maxHeaderBytes + limits.maxPayloadBytes + 128 > limits.maxFrameBytes) {
    throw new Error('maxFrameBytes must hold the largest header, payload and signature');
  }
  if (limits.maxReplayEntriesPerSender > limits.maxReplayEntries / 2) {
    throw new Error('maxReplayEntriesPerSender must be at most half of maxReplayEntries (one sender never fills the replay memory)');
  }
  if (limits.maxReplayEntriesPerSender < MESSAGE_BURST_PER_KEY) throw new Error('maxReplayEntriesPerSender must hold a whole per-key burst');
  if (DEFAULT_SHARD_BYTES > limits.maxPayloadBytes) throw new Error('a shard must fit in one payload');
  if (PEER_TIMEOUT_MS <= HEARTBEAT_INTERVAL_MS * 2) throw new Error('peer timeout must span several heartbeats');
  if (DEFAULT_MAX_PEERS < 2 || DEFAULT_MAX_PEERS > MAX_MAX_PEERS) throw new Error('default k out of range');
}
