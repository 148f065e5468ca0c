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
/** Most copies of one shard or memory anyone may ask for (`--replicas`, `shard.store`, `memory.remember`). */
export const MAX_REPLICAS = 16;
/** Interval between heartbeats on a tree edge. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/** A peer silent for this long is considered dead. */
export const PEER_TIMEOUT_MS = 10_000;
/** Default time a request waits for its reply. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A client's store waits this long: the relay writes the shard durably on every holder before it answers. */
export const CLIENT_STORE_TIMEOUT_MS = 60_000;
/** A client's fetch, release, ledger or library request waits this long: the answer may cross the tree. */
export const CLIENT_REQUEST_TIMEOUT_MS = 30_000;
/** A client's search waits this long (the relay's own budget is 5 s per level; the answer may cross the tree). */
export const CLIENT_SEARCH_TIMEOUT_MS = 35_000;
/** Time a person's app or CLI waits for a relay's WebSocket to be ready. */
export const CLIENT_CONNECT_TIMEOUT_MS = 15_000;
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
/** Shards one owner key may pin on one relay (per-key storage quota, by count: each shard is a file and rows). */
export const MAX_PINS_PER_OWNER = 100_000;
/** Bytes one owner key may have charged on one relay (per-key storage quota, by cost: see SHARD_METADATA_BYTES). */
export const MAX_PINNED_BYTES_PER_OWNER = 64 * 1024 * 1024 * 1024;
/** File-system block size assumed when the store cannot read it (fs.statfs): a shard costs at least one block. */
export const DEFAULT_FS_BLOCK_BYTES = 4096;
/**
 * Estimated bytes of the rows a stored shard adds besides its file (its index row, its pins, its holder set and
 * their indexes in SQLite, the directory entry): charged with every shard against the capacity and the quotas.
 */
export const SHARD_METADATA_BYTES = 1024;
/**
 * Most other relays one client request (a `shard.get` or `shard.unpin` of a shard this relay does not hold) makes
 * a relay ask: the first ones in the shard's rendezvous order, where placement puts it (replicas + 2, so that a
 * shard is still found after two relays joined ahead of its holders).
 */
export const MAX_FAN_OUT_PER_REQUEST = DEFAULT_REPLICAS + 2;
/** Memories one author key may keep on one relay (per-key search quota). */
export const MAX_MEMORIES_PER_AUTHOR = 10_000;

// Anti-entropy sweep and storage audits (core/storage/repair-plan.ts, node-relay/storage/repair.ts).
/** Default time between two sweeps of a relay's shards (`--repair-interval MS` changes it). */
export const REPAIR_SWEEP_INTERVAL_MS = 60_000;
/** Shortest sweep interval `--repair-interval` accepts (tests use short ones). */
export const MIN_REPAIR_SWEEP_INTERVAL_MS = 100;
/** Each sweep starts up to this percentage of the interval early or late, so relays do not sweep in step. */
export const REPAIR_SWEEP_JITTER_PERCENT = 20;
/** Shards one sweep checks at most (each is read and hashed locally, its holders audited). */
export const REPAIR_SHARDS_PER_SWEEP = 64;
/** Audits one sweep sends at most. */
export const REPAIR_AUDITS_PER_SWEEP = 256;
/** Shards whose holders one sweep audits at once (each shard's audits go out together; its bytes stay in memory). */
export const REPAIR_SHARDS_IN_FLIGHT = 4;
/** An audit not answered within this is failed (and the relay is not asked again in that sweep). */
export const REPAIR_AUDIT_TIMEOUT_MS = 5_000;
/** Copies one sweep makes at most (each sends a whole shard). */
export const REPAIR_COPIES_PER_SWEEP = 16;
/** Surplus copies one sweep releases at most. */
export const REPAIR_RELEASES_PER_SWEEP = 16;
/** Members beyond the target audited for each shard (besides its known holders): finds copies placed further down. */
export const REPAIR_AUDIT_SPARE = 2;
/** The k-th survivor in repair rank acts only after the shard has needed repair for k times this many sweeps. */
export const REPAIR_LEADER_TIMEOUT_SWEEPS = 2;
/** A relay that failed an audit (or refused a copy) for a shard is not sent that shard again for this many sweeps. */
export const REPAIR_FAILED_MEMORY_SWEEPS = 10;
/** Entries the repair planner remembers at most (shards needing repair, failed relays); oldest forgotten first. */
export const MAX_REPAIR_STATE_ENTRIES = 100_000;
/** Length in bytes of an audit nonce. */
export const AUDIT_NONCE_BYTES = 32;

/** The repair limits, checked once at start-up with the others. */
export const REPAIR_LIMITS = Object.freeze({
  REPAIR_SWEEP_INTERVAL_MS,
  MIN_REPAIR_SWEEP_INTERVAL_MS,
  REPAIR_SWEEP_JITTER_PERCENT,
  REPAIR_SHARDS_PER_SWEEP,
  REPAIR_AUDITS_PER_SWEEP,
  REPAIR_SHARDS_IN_FLIGHT,
  REPAIR_AUDIT_TIMEOUT_MS,
  REPAIR_COPIES_PER_SWEEP,
  REPAIR_RELEASES_PER_SWEEP,
  REPAIR_AUDIT_SPARE,
  REPAIR_LEADER_TIMEOUT_SWEEPS,
  REPAIR_FAILED_MEMORY_SWEEPS,
  MAX_REPAIR_STATE_ENTRIES,
  AUDIT_NONCE_BYTES,
});

/** Long side of a grid thumbnail (px), made on the device that adds a photo. */
export const THUMB_GRID_PX = 256;
/** Long side of a screen-size preview (px): what the viewer shows before the original is opened. */
export const THUMB_SCREEN_PX = 1280;
/** Pictures larger than this are not decoded for thumbnails (they get a type icon): bounds the worker's memory. */
export const MAX_THUMB_SOURCE_BYTES = 64 * 1024 * 1024;
/** EXIF is read from this many first bytes of a photo (a JPEG's APP1 segment is at most 64 KiB). */
export const EXIF_READ_BYTES = 256 * 1024;
/** JPEG quality of thumbnails (percent). */
export const THUMB_QUALITY_PERCENT = 82;
/** Thumbnails decrypted and kept as object URLs at once in a page (older ones are revoked first). */
export const MAX_THUMB_URLS = 600;
/** Largest answer (bytes) the service worker gives to one open-ended media Range request: bounds memory and what a seek fetches. */
export const STREAM_CHUNK_BYTES = 2 * 1024 * 1024;
/** Longest wait (ms) for a video to give its poster frame before it gets a type icon instead. */
export const POSTER_TIMEOUT_MS = 10_000;
/** Thumbnails fetched at once while the grid scrolls. */
export const THUMB_FETCH_CONCURRENCY = 4;

/** Throws if the repair limits are not positive integers or contradict each other. */
export function validateRepairLimits(limits: Readonly<Record<keyof typeof REPAIR_LIMITS, number>> = REPAIR_LIMITS): void {
  const bad = Object.entries(limits).filter(([, v]) => !(Number.isSafeInteger(v) && v > 0));
  if (bad.length > 0) throw new Error(`repair limits must be positive integers: ${bad.map(([k]) => k).join(', ')}`);
  if (limits.MIN_REPAIR_SWEEP_INTERVAL_MS > limits.REPAIR_SWEEP_INTERVAL_MS) throw new Error('the default sweep interval is below the minimum');
  if (limits.REPAIR_SWEEP_JITTER_PERCENT >= 100) throw new Error('sweep jitter must be below 100%');
  if (limits.REPAIR_AUDITS_PER_SWEEP < limits.REPAIR_SHARDS_PER_SWEEP) throw new Error('a sweep must be able to audit at least one holder per shard');
  if (limits.REPAIR_SHARDS_IN_FLIGHT > limits.REPAIR_SHARDS_PER_SWEEP) throw new Error('shards in flight exceed shards per sweep');
  if (limits.AUDIT_NONCE_BYTES < 16) throw new Error('audit nonces must have at least 128 bits');
}

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
  if (CLIENT_STORE_TIMEOUT_MS < REQUEST_TIMEOUT_MS * 2) throw new Error('a client store must outlast the relay asking each holder');
  if (PEER_TIMEOUT_MS <= HEARTBEAT_INTERVAL_MS * 2) throw new Error('peer timeout must span several heartbeats');
  if (DEFAULT_REPLICAS < 1 || DEFAULT_REPLICAS > MAX_REPLICAS) throw new Error('default replica count out of range');
  if (DEFAULT_MAX_PEERS < 2 || DEFAULT_MAX_PEERS > MAX_MAX_PEERS) throw new Error('default k out of range');
  const quotas = { MAX_PINS_PER_OWNER, MAX_PINNED_BYTES_PER_OWNER, DEFAULT_FS_BLOCK_BYTES, SHARD_METADATA_BYTES, MAX_FAN_OUT_PER_REQUEST, MAX_MEMORIES_PER_AUTHOR };
  const bad = Object.entries(quotas).filter(([, v]) => !(Number.isSafeInteger(v) && v > 0));
  if (bad.length > 0) throw new Error(`limits must be positive integers: ${bad.map(([k]) => k).join(', ')}`);
  if (MAX_PINNED_BYTES_PER_OWNER < DEFAULT_SHARD_BYTES + SHARD_METADATA_BYTES) throw new Error('a key must be able to pin at least one full shard');
  if (MAX_FAN_OUT_PER_REQUEST < DEFAULT_REPLICAS) throw new Error('a lookup must be able to ask every computed holder');
  validateRepairLimits();
}
