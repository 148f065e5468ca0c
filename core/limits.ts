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
/** How long a client's send waits for room in its socket's buffer (a slow uplink) before it fails FULL. */
export const CLIENT_FULL_WAIT_MS = 30_000;
/** A client's fetch, release, ledger or library request waits this long: the answer may cross the tree. */
export const CLIENT_REQUEST_TIMEOUT_MS = 30_000;
/** A client's search waits this long (the relay's own budget is 5 s per level; the answer may cross the tree). */
export const CLIENT_SEARCH_TIMEOUT_MS = 35_000;
/** Time a person's app or CLI waits for a relay's WebSocket to be ready. */
export const CLIENT_CONNECT_TIMEOUT_MS = 15_000;
/** `peertree` commands: default limit for connecting to a relay and its handshake (`--connect-timeout`). */
export const CLI_CONNECT_TIMEOUT_MS = 10_000;
/**
 * `peertree` commands: default longest wait without progress (`--timeout`): no shard stored or fetched, no answer.
 * Longer than one client store (CLIENT_STORE_TIMEOUT_MS), which may legitimately take that long.
 */
export const CLI_IDLE_TIMEOUT_MS = 120_000;
/** Longest `--timeout` or `--connect-timeout` a command accepts. */
export const MAX_CLI_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** Most pins one `shard.list` answer carries (a page of ≈ 30 KiB of JSON, well inside MAX_HEADER_BYTES). */
export const MAX_LIST_PAGE = 256;
/** Most pages a `peertree ls` reads from one relay (bounds the work: MAX_LIST_PAGE × this ≥ a full quota). */
export const MAX_LIST_PAGES = 2_048;
/** Most bytes of the CLI's local book of file names (`names.jsonl`) that `peertree ls` reads (the newest part). */
export const MAX_NAME_BOOK_BYTES = 8 * 1024 * 1024;
/** A `shard.list` statement is accepted this long (either way) around the relay's clock. */
export const LIST_STATEMENT_MAX_SKEW_MS = 5 * 60 * 1000;
/**
 * `peertree relay --join`: the ready line waits this long for the join to finish (so it shows the real tree id and
 * position); a contact not reachable by then gets the line at once with "joined": false (joining goes on).
 */
export const READY_JOIN_WAIT_MS = 10_000;
/** How often the relay command looks whether its join has finished, while it waits to print the ready line. */
export const READY_JOIN_POLL_MS = 50;
/** Swarming get (core/storage/swarm-policy.ts): fewest shards a get keeps in flight… */
export const GET_WINDOW_MIN = 4;
/** …and most (memory: this many shards of up to maxPayloadBytes each, reassembled in order). */
export const GET_WINDOW_MAX = 16;
/** Most shards a put keeps in flight (memory: this many encrypted shards, each waiting for its copies). */
export const PUT_WINDOW_MAX = 16;
/** Shards in flight to each holder at least, so that its link stays busy while a reply is on its way. */
export const GET_WINDOW_PER_HOLDER_MIN = 3;
/** A shard not answered within this many times its holder's expected time is asked of another holder too… */
export const GET_HEDGE_FACTOR = 3;
/** …but not sooner than this (ms)… */
export const GET_HEDGE_MIN_MS = 500;
/** …and at the latest after this (ms), also when nothing is measured yet. */
export const GET_HEDGE_MAX_MS = 10_000;
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
/**
 * Signed `peer.error` answers one connection may get for frames its relay refused unverified (replay memory
 * full for the key or for all): each costs the relay one Ed25519 signature, so a connection that goes on
 * earning them past this is closed with the refusal's close code instead (no signature)…
 */
export const MAX_REFUSAL_REPLIES_PER_SOCKET = 8;
/** …and this many more each second (a sender that waits as told is answered again). */
export const REFUSAL_REPLIES_FORGIVEN_PER_SECOND = 1;
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
/**
 * Relays /api/status lists at most (public and admin views). Clients route only by a whole list, so a larger
 * tree is reached through the entry relay until placement reads members another way.
 */
export const MAX_STATUS_MEMBERS = 1_000;
/** Memories one author key may keep on one relay (per-key search quota). */
export const MAX_MEMORIES_PER_AUTHOR = 10_000;

// Anti-entropy sweep and storage audits (core/storage/repair-plan.ts, node-relay/replication/shard-repairer.ts).
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
/**
 * A signed release that reaches a relay holding no pin of that owner on the shard (it came before the copy it
 * releases, e.g. an interrupted put's clean-up overtaking a forward) is remembered this long, measured from the
 * release's own time: a copy arriving later with an older pin is refused.
 */
export const EARLY_RELEASE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Such early releases a relay remembers at most (all owners together); the oldest are forgotten first. */
export const MAX_EARLY_RELEASES = 100_000;
/**
 * Signed releases of one shard a relay hands back at most when a holder audits it for a shard it released (the
 * holder missed the release, e.g. it was down): the owners' own statements, checked by the holder.
 */
export const RELEASES_PUSHED_PER_AUDIT = 16;
/** How long a relay waits for a holder to take the releases it hands back, before it answers the audit. */
export const RELEASE_PUSH_TIMEOUT_MS = 2_000;
/** Entries the repair planner remembers at most (shards needing repair, failed relays); oldest forgotten first. */
export const MAX_REPAIR_STATE_ENTRIES = 100_000;
/** Length in bytes of an audit nonce. */
export const AUDIT_NONCE_BYTES = 32;

// Automatic certificates by ACME (node-relay/acme/): renewal timing and bounds on the order.
/** A certificate is renewed once fewer than this many milliseconds of it remain (30 days, as certbot does)… */
export const CERT_RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * …but never before only 1/N of its lifetime remains: a short-lived certificate (6 days, or a test CA's minutes)
 * is renewed at two thirds of its life instead of at once and again. A 90-day one: exactly at 30 days left.
 */
export const CERT_RENEW_LIFETIME_DIVISOR = 3;
/** The relay looks at its certificate at least this often (it also wakes exactly when a renewal falls due). */
export const CERT_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** A failed order is tried again after this, doubling at each failure up to CERT_CHECK_INTERVAL_MS (CA rate limits). */
export const ACME_RETRY_MIN_MS = 10 * 60 * 1000;
/** Two orders are never placed closer together than this, whatever the certificate says (a CA issuing tiny lifetimes). */
export const ACME_MIN_ORDER_INTERVAL_MS = 5_000;
/** One whole order (account, challenge, validation, finalize, download) is given up after this. */
export const ACME_ORDER_TIMEOUT_MS = 5 * 60 * 1000;
/** One HTTP request to the ACME server is given up after this. */
export const ACME_REQUEST_TIMEOUT_MS = 30_000;
/** The ACME client polls a challenge or an order first after this, doubling up to ACME_POLL_MAX_MS… */
export const ACME_POLL_MIN_MS = 1_000;
/** …each wait at most this long… */
export const ACME_POLL_MAX_MS = 10_000;
/** …and at most this many times before the order fails. */
export const ACME_POLL_ATTEMPTS = 10;
/** Largest request the HTTP-01 challenge listener reads (it answers GETs of one token, nothing else). */
export const ACME_CHALLENGE_MAX_HEADER_BYTES = 8 * 1024;

/** Longest a device-link mailbox lives on a relay (the person links within this time or starts again). */
export const MAILBOX_MAX_TTL_MS = 10 * 60 * 1000;
/** Largest message one mailbox slot holds (decoded bytes). */
export const MAILBOX_MAX_MESSAGE_BYTES = 16 * 1024;
/** Slots per mailbox: each written once (the link uses two: the new device's key, the sealed secret). */
export const MAILBOX_SLOTS = 4;
/** Mailboxes one key may have open on a relay at once. */
export const MAILBOX_MAX_PER_KEY = 4;
/** Mailboxes a relay keeps at once, from everyone (memory bound: boxes × slots × message bytes). */
export const MAILBOX_MAX_BOXES = 1024;
/** Longest a `mailbox.take` waits for its slot before answering "nothing yet" (below the client time-out). */
export const MAILBOX_MAX_WAIT_MS = 20_000;
/** Requests waiting in `mailbox.take` on a relay at once, from everyone. */
export const MAILBOX_MAX_WAITERS = 2048;
/** How long the PWA's device-link box lives: the person opens the link and compares the code within this time. */
export const LINK_TTL_MS = 10 * 60 * 1000;
/** Pause before a link waiting on the mailbox asks again after its connection dropped (it reconnects meanwhile). */
export const LINK_RETRY_MS = 1_000;
/** While the app is visible and connected, the library head is read this often to show other devices' changes. */
export const LIBRARY_POLL_MS = 5_000;
/** Longest file name and note a person can give a file in the library (the record's text bound). */
export const MAX_LIBRARY_TEXT = 1024;
/** Most albums in a person's library record, and most album memberships over all of them (removed ones too). */
export const MAX_ALBUMS = 256;
export const MAX_ALBUM_ITEMS = 4096;
/** First look, after a file was stored on fewer relays than asked, at whether the tree grew enough to top it up. */
export const TOP_UP_FIRST_CHECK_MS = 3_000;
/** Longest pause between two such looks (the pause doubles from the first one up to this). */
export const TOP_UP_MAX_INTERVAL_MS = 5 * 60 * 1000;
/** The looks stop this long after the tree last changed; a reconnect or a new upload starts them again. */
export const TOP_UP_GIVE_UP_MS = 60 * 60 * 1000;
/** Share links name at most this many other relays of the tree besides the one that served the app. */
export const MAX_LINK_RELAYS = 3;
/** Longest relay URL a share link's `via` may name (characters). */
export const MAX_VIA_URL = 256;

/** The certificate limits, checked once at start-up with the others. */
export const CERT_LIMITS = Object.freeze({
  CERT_RENEW_BEFORE_MS,
  CERT_RENEW_LIFETIME_DIVISOR,
  CERT_CHECK_INTERVAL_MS,
  ACME_RETRY_MIN_MS,
  ACME_MIN_ORDER_INTERVAL_MS,
  ACME_ORDER_TIMEOUT_MS,
  ACME_REQUEST_TIMEOUT_MS,
  ACME_POLL_MIN_MS,
  ACME_POLL_MAX_MS,
  ACME_POLL_ATTEMPTS,
  ACME_CHALLENGE_MAX_HEADER_BYTES,
});

/** Throws if the certificate limits are not positive integers or contradict each other. */
export function validateCertLimits(limits: Readonly<Record<keyof typeof CERT_LIMITS, number>> = CERT_LIMITS): void {
  const bad = Object.entries(limits).filter(([, v]) => !(Number.isSafeInteger(v) && v > 0));
  if (bad.length > 0)
    throw new Error(`certificate limits must be positive integers: ${bad.map(([k]) => k).join(', ')}`);
  if (limits.CERT_RENEW_LIFETIME_DIVISOR < 2) throw new Error('the renewal share must be at most half of a lifetime');
  if (limits.ACME_RETRY_MIN_MS > limits.CERT_CHECK_INTERVAL_MS)
    throw new Error('the first retry must come before the next daily check');
  if (limits.ACME_MIN_ORDER_INTERVAL_MS > limits.ACME_RETRY_MIN_MS)
    throw new Error('the order spacing must be below the retry delay');
  if (limits.ACME_REQUEST_TIMEOUT_MS > limits.ACME_ORDER_TIMEOUT_MS)
    throw new Error('one ACME request must fit in an order');
  if (limits.ACME_POLL_MIN_MS > limits.ACME_POLL_MAX_MS)
    throw new Error('the first poll wait must not exceed the longest');
  if (limits.ACME_POLL_MAX_MS * limits.ACME_POLL_ATTEMPTS > limits.ACME_ORDER_TIMEOUT_MS)
    throw new Error('polling must fit in an order');
}

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
  RELEASES_PUSHED_PER_AUDIT,
  RELEASE_PUSH_TIMEOUT_MS,
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
export function validateRepairLimits(
  limits: Readonly<Record<keyof typeof REPAIR_LIMITS, number>> = REPAIR_LIMITS,
): void {
  const bad = Object.entries(limits).filter(([, v]) => !(Number.isSafeInteger(v) && v > 0));
  if (bad.length > 0) throw new Error(`repair limits must be positive integers: ${bad.map(([k]) => k).join(', ')}`);
  if (limits.MIN_REPAIR_SWEEP_INTERVAL_MS > limits.REPAIR_SWEEP_INTERVAL_MS)
    throw new Error('the default sweep interval is below the minimum');
  if (limits.REPAIR_SWEEP_JITTER_PERCENT >= 100) throw new Error('sweep jitter must be below 100%');
  if (limits.REPAIR_AUDITS_PER_SWEEP < limits.REPAIR_SHARDS_PER_SWEEP)
    throw new Error('a sweep must be able to audit at least one holder per shard');
  if (limits.REPAIR_SHARDS_IN_FLIGHT > limits.REPAIR_SHARDS_PER_SWEEP)
    throw new Error('shards in flight exceed shards per sweep');
  if (limits.AUDIT_NONCE_BYTES < 16) throw new Error('audit nonces must have at least 128 bits');
  if (limits.RELEASE_PUSH_TIMEOUT_MS >= limits.REPAIR_AUDIT_TIMEOUT_MS)
    throw new Error('handing back releases must fit in the audit it answers');
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
    throw new Error(
      'maxReplayEntriesPerSender must be at most half of maxReplayEntries (one sender never fills the replay memory)',
    );
  }
  if (limits.maxReplayEntriesPerSender < MESSAGE_BURST_PER_KEY)
    throw new Error('maxReplayEntriesPerSender must hold a whole per-key burst');
  if (DEFAULT_SHARD_BYTES > limits.maxPayloadBytes) throw new Error('a shard must fit in one payload');
  if (GET_WINDOW_MIN < 1 || GET_WINDOW_MIN > GET_WINDOW_MAX) throw new Error('the get window bounds are out of order');
  if (GET_HEDGE_MIN_MS > GET_HEDGE_MAX_MS || GET_HEDGE_MAX_MS >= CLIENT_REQUEST_TIMEOUT_MS)
    throw new Error('a hedge must come before the request times out');
  if (CLI_IDLE_TIMEOUT_MS <= CLIENT_STORE_TIMEOUT_MS)
    throw new Error('the CLI idle time-out must outlast one client store');
  if (CLIENT_FULL_WAIT_MS >= CLIENT_STORE_TIMEOUT_MS)
    throw new Error('a send waiting for room must give up before the store it carries times out');
  if (CLIENT_STORE_TIMEOUT_MS < REQUEST_TIMEOUT_MS * 2)
    throw new Error('a client store must outlast the relay asking each holder');
  if (PEER_TIMEOUT_MS <= HEARTBEAT_INTERVAL_MS * 2) throw new Error('peer timeout must span several heartbeats');
  if (DEFAULT_REPLICAS < 1 || DEFAULT_REPLICAS > MAX_REPLICAS) throw new Error('default replica count out of range');
  if (DEFAULT_MAX_PEERS < 2 || DEFAULT_MAX_PEERS > MAX_MAX_PEERS) throw new Error('default k out of range');
  const quotas = {
    MAX_PINS_PER_OWNER,
    MAX_PINNED_BYTES_PER_OWNER,
    DEFAULT_FS_BLOCK_BYTES,
    SHARD_METADATA_BYTES,
    MAX_FAN_OUT_PER_REQUEST,
    MAX_MEMORIES_PER_AUTHOR,
    MAX_STATUS_MEMBERS,
  };
  const bad = Object.entries(quotas).filter(([, v]) => !(Number.isSafeInteger(v) && v > 0));
  if (bad.length > 0) throw new Error(`limits must be positive integers: ${bad.map(([k]) => k).join(', ')}`);
  if (MAX_PINNED_BYTES_PER_OWNER < DEFAULT_SHARD_BYTES + SHARD_METADATA_BYTES)
    throw new Error('a key must be able to pin at least one full shard');
  if (MAX_FAN_OUT_PER_REQUEST < DEFAULT_REPLICAS) throw new Error('a lookup must be able to ask every computed holder');
  if (MAILBOX_MAX_WAIT_MS >= CLIENT_REQUEST_TIMEOUT_MS)
    throw new Error('a mailbox wait must end before the client gives up on it');
  if (MAILBOX_MAX_MESSAGE_BYTES * MAILBOX_SLOTS * MAILBOX_MAX_BOXES > 256 * 1024 * 1024)
    throw new Error('mailboxes must fit in a bounded amount of memory');
  if (MAILBOX_MAX_PER_KEY > MAILBOX_MAX_BOXES || MAILBOX_SLOTS < 2) throw new Error('mailbox limits are out of order');
  if (LINK_TTL_MS <= 0 || LINK_TTL_MS > MAILBOX_MAX_TTL_MS)
    throw new Error('a device link must fit in the longest mailbox a relay keeps');
  if (SEARCH_DEFAULT_BUDGET_MS > SEARCH_MAX_BUDGET_MS) throw new Error('the default search budget exceeds the longest');
  if (UPLOAD_RETRY_BASE_MS > UPLOAD_RETRY_MAX_MS) throw new Error('upload retries must start below their longest wait');
  if (MAX_INLINE_STORED_BYTES > MAX_HEADER_BYTES / 2) throw new Error('an inline file must fit a frame header');
  if (INLINE_BODY_LIMIT >= MAX_HEADER_BYTES) throw new Error('bodies kept in the header must fit it');
  if (MAX_QUEUED_BYTES < MAX_FRAME_BYTES) throw new Error('a socket must be able to queue one whole frame');
  if (LEAVE_ANSWER_TIMEOUT_MS <= LEAVE_TIMEOUT_MS) throw new Error('the CLI must wait longer than the relay leaves');
  if (DIAL_TIMEOUT_MS >= PEER_TIMEOUT_MS) throw new Error('a dial must end before its peer is suspected');
  if (LEDGER_PEER_QUESTION_TIMEOUT_MS > LEDGER_REQUEST_TIMEOUT_MS)
    throw new Error('a question to a member must end before the request that asked it');
  if (MAX_LEDGER_HEADS > MAX_STATUS_MEMBERS) throw new Error('ledger heads are asked of listed members only');
  if (CONFIRM_MS >= PEER_TIMEOUT_MS || TICK_MS > HEARTBEAT_INTERVAL_MS) throw new Error('tree timers are out of order');
  if (ORPHAN_AFTER_MS <= PEER_TIMEOUT_MS) throw new Error('a relay must suspect its parent before it is an orphan');
  if (PWA_STATUS_MAX_MEMBERS < MAX_STATUS_MEMBERS) throw new Error('the app must read every member a relay lists');
  if (VIEWER_MIN_SCALE <= 0 || VIEWER_MAX_SCALE <= VIEWER_MIN_SCALE)
    throw new Error('the viewer zoom bounds are out of order');
  validateRepairLimits();
  validateCertLimits();
}

// --- S3 gateway (node-relay/s3/): the bounds S3 itself documents, where they bound our memory and work. ---
/** Largest XML request body (DeleteObjects, CompleteMultipartUpload, CreateBucket) the gateway parses. */
export const S3_MAX_XML_BODY_BYTES = 1024 * 1024;
/** Most keys one listing returns (S3's max-keys ceiling), and the default. */
export const S3_MAX_KEYS = 1000;
/** Most keys one DeleteObjects request may name. */
export const S3_MAX_DELETE_KEYS = 1000;
/** Smallest multipart part (every part but the last), as S3. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/** Largest single PUT or multipart part, as S3. */
export const S3_MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
/** Most parts of one multipart upload, as S3. */
export const S3_MAX_PARTS = 10_000;
/** A signed request whose date is further than this from the gateway's clock is refused (RequestTimeTooSkewed). */
export const S3_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Longest lifetime of a presigned URL (X-Amz-Expires), as S3: seven days. */
export const S3_MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;
/** Largest aws-chunked chunk the gateway buffers to verify its signature. */
export const S3_MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** Longest chunk header or trailer line of an aws-chunked body. */
export const S3_MAX_CHUNK_LINE_BYTES = 8 * 1024;
/** Longest object key in UTF-8 bytes, as S3. */
export const S3_MAX_KEY_BYTES = 1024;
/** Most bytes of user metadata (x-amz-meta-* names and values) on one object, as S3. */
export const S3_MAX_METADATA_BYTES = 2 * 1024;
/** Default TCP port of `peertree s3`. */
export const S3_DEFAULT_PORT = 9000;
/**
 * Puts, and gets, the gateway runs at once (each its own count); more requests wait (their bodies held back by TCP), so memory stays
 * bounded whatever the clients' own concurrency (the AWS CLI sends 10 parts at once).
 */
export const S3_MAX_TRANSFERS = 4;
/** Objects the S3 gateway mirrors into the person's library record (it must fit one shard, with the other files). */
export const S3_MAX_MIRRORED_OBJECTS = 2000;
/** Index changes are gathered for this long before the gateway publishes a new library version. */
export const S3_MIRROR_DEBOUNCE_MS = 1000;
/**
 * Multipart uploads the gateway joins progressively at once (each holds one of the S3_MAX_TRANSFERS put slots
 * while it is open); further uploads keep every part as its own file and are joined at Complete.
 */
export const S3_MAX_OPEN_JOINS = 2;
/**
 * Shards in flight per gateway get (a fixed window, not the transport's swarming one, which may reach
 * GET_WINDOW_MAX): S3_MAX_TRANSFERS gets of a few shards each keep a GET's buffers far below the 200 MiB budget.
 */
export const S3_GET_WINDOW = 4;
/**
 * Shards in flight per gateway put (fixed, for the same reason: the transport's measured put window may reach
 * PUT_WINDOW_MAX, and each shard in flight holds its plaintext, ciphertext and frame).
 */
export const S3_PUT_WINDOW = 4;
/** How long a part that arrives ahead of its turn waits to stream into the join, before it is stored on its own. */
export const S3_JOIN_WAIT_MS = 15_000;
/** A progressive join with no part for this long is closed (its parts stay readable for Complete's full join). */
export const S3_JOIN_IDLE_MS = 5 * 60 * 1000;
/** Ended upload ids the joins remember (a part arriving after its upload ended is refused by the index anyway). */
export const S3_ENDED_UPLOADS_REMEMBERED = 10_000;
/** Trailer headers one aws-chunked body may carry (clients send one checksum). */
export const S3_MAX_TRAILERS = 8;
/** Releases of files no object references any more that run at once. */
export const S3_RELEASE_CONCURRENCY = 4;
/** Rows a listing fetches from the index per query. */
export const S3_LIST_BATCH = 1000;
/** Times the library mirror re-reads the head and retries when another writer published first. */
export const S3_MIRROR_ROUNDS = 4;
/** How long the library mirror waits for a relay's answer to one request. */
export const S3_MIRROR_REQUEST_MS = 20_000;

// --- the tree protocol (core/tree/) ---
/** Period of the single protocol timer; every periodic duty is checked on a tick. */
export const TICK_MS = 1_000;
/** A joining relay re-sends its join request this often until it is a member. */
export const JOIN_RETRY_MS = 3_000;
/** A suspected neighbour is reported to the sequencer again this often while it stays a member. */
export const REPORT_RETRY_MS = 3_000;
/** A relay whose parent stays dead this long without a new epoch probes other members. */
export const ORPHAN_AFTER_MS = 2 * PEER_TIMEOUT_MS;
/** A leaving relay waits this long for its removal before going away anyway. */
export const LEAVE_TIMEOUT_MS = 5_000;
/** The root probes one relay it removed for silence this often, to heal partitions. */
export const PROBE_INTERVAL_MS = 5_000;
/** Relays removed for silence are remembered (and probed) this long. */
export const DEPARTED_TTL_MS = 10 * 60_000;
/** At most this many removed relays are remembered. */
export const MAX_DEPARTED = 64;
/** Undelivered outbox messages are re-sent this often. */
export const OUTBOX_RETRY_MS = 3_000;
/** A broadcast not yet acknowledged by a tree neighbour is re-sent this often. */
export const BROADCAST_RETRY_MS = 2_000;
/** Broadcasts are kept (and re-sent to new occupants of neighbour positions) this long. */
export const BROADCAST_RETAIN_MS = 5 * 60_000;
/** At most this many recent broadcasts are kept. */
export const MAX_RECENT_BROADCASTS = 256;
/** Message ids remembered per relay for de-duplication (oldest forgotten first). */
export const MAX_SEEN_IDS = 4_096;
/** Requests waiting for a reply at once. */
export const MAX_TREE_PENDING_REQUESTS = 1_024;
/** A directed message is dropped after this many forwarding hops. */
export const MAX_HOPS = 64;
/** A join request is forwarded at most this many times. */
export const MAX_JOIN_HOPS = 8;
/** Minimum gap between two full membership syncs sent to the same peer. */
export const SYNC_GAP_MS = 1_000;
/** Largest tree the protocol accepts in a membership sync. */
export const MAX_MEMBERS = 10_000_000;
/** Longest relay id. */
export const MAX_ID_LENGTH = 256;
/** Longest relay URL (in the tree's messages and in a handshake). */
export const MAX_URL_LENGTH = 1_024;
/** Signed epoch records a relay keeps (and sends at most in one sync): how far back two histories can be joined. */
export const MAX_EPOCH_LOG = 256;
/** Most suspicions one takeover record carries. */
export const MAX_EVIDENCE = 64;
/** Longest admission (a join token's JSON) in an add. */
export const MAX_ADMISSION_LENGTH = 1_024;
/** The sequencer waits this long for a relay reported dead to answer its own probe before removing it. */
export const CONFIRM_MS = 2_000;
/** A root-group member with a quorum against the root takes over after this long even if a lower one is alive. */
export const TAKEOVER_GRACE_MS = 3_000;
/** Most relays the sequencer checks at once after reports (further reports wait). */
export const MAX_TREE_CHECKS = 64;
/** Most membership operations in one update. */
export const MAX_OPS_PER_UPDATE = 64;

// --- everything else a relay, the CLI and the protocol bound ---
/** Imported public keys, so that verifying many messages from one peer imports its key once. */
export const MAX_CACHED_PUBLIC_KEYS = 4096;
/**
 * Senders whose decoded key and node id are kept: a peer sends many frames, and decoding its hex key and
 * hashing it into a node id for each one was a measurable part of a relay's per-message work.
 */
export const MAX_CACHED_SENDERS = 4096;
/** Longest note on a ledger entry, in characters. */
export const MAX_LEDGER_NOTE_LENGTH = 1024;
/** First wait before an upload that met a passing problem is tried again (doubled each time). */
export const UPLOAD_RETRY_BASE_MS = 2_000;
/** Longest wait between two tries of a queued upload. */
export const UPLOAD_RETRY_MAX_MS = 5 * 60_000;
/** Members asked for their head by one verify. */
export const MAX_LEDGER_HEADS = 64;
/** Ledger entries in one page of a catch-up or a history answer. */
export const MAX_LEDGER_PAGE = 500;
/** Longest search query, in characters. */
export const MAX_QUERY_LENGTH = 512;
/** Most terms of one search query (further terms are ignored). */
export const MAX_QUERY_TERMS = 16;
/** Longest text of a public memory (its description), in characters. */
export const MAX_MEMORY_TEXT = 4096;
/** Most tags on one memory. */
export const MAX_TAGS = 16;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 64;
/** Longest time a search may run, end to end. */
export const SEARCH_MAX_BUDGET_MS = 30_000;
/** Time a search runs when the client names none. */
export const SEARCH_DEFAULT_BUDGET_MS = 5_000;
/** Longest query text a relay reads, in characters. */
export const MAX_QUERY_CHARS = MAX_QUERY_LENGTH * 4;
/** Most results one search answers. */
export const MAX_SEARCH_RESULTS = 50;
/** Longest refusal message kept (a peer's text is shown to people; it must stay short). */
export const MAX_REFUSAL_MESSAGE = 500;
/** Most pins (or releases) one store or release message carries. */
export const MAX_PINS_PER_MESSAGE = 64;
/** Longest file name in a manifest, in characters. */
export const MAX_FILE_NAME_LENGTH = 255;
/** Longest media type in a manifest, in characters. */
export const MAX_MIME_LENGTH = 127;
/** Largest inline shard a manifest may carry (sealed bytes). */
export const MAX_INLINE_STORED_BYTES = INLINE_FILE_BYTES + INLINE_SEAL_OVERHEAD_BYTES;
/** Tokens answered at once: one per domain of the order in progress (one here), with room for a retried one. */
export const ACME_MAX_CHALLENGE_TOKENS = 8;
/** After the answer the relay waits this long at most for the operator to hang up before it shuts down. */
export const HANG_UP_WAIT_MS = 2_000;
/** The example app: longest note, in characters. */
export const EXAMPLE_MAX_TEXT = 280;
/** The example app: most notes one read returns. */
export const EXAMPLE_MAX_READ = 100;
/** Largest CLI configuration file read. */
export const MAX_CLIENT_CONFIG_BYTES = 64 * 1024;
/** Highest PBKDF2 cost accepted (the PWA writes 600,000): a file cannot make us spin for minutes. */
export const MAX_BACKUP_KDF_ITERATIONS = 10_000_000;
/** The relay answers once its leave is over: its own bounded wait (LEAVE_TIMEOUT_MS + 2 s) plus a margin. */
export const LEAVE_ANSWER_TIMEOUT_MS = LEAVE_TIMEOUT_MS + 15_000;
/** After the answer, the relay closes its sockets (at most 2 s grace), its apps and database, then exits. */
export const LEAVE_EXIT_WAIT_MS = 20_000;
/** How often `peertree leave` looks whether the relay has exited. */
export const LEAVE_EXIT_POLL_MS = 100;
/** Time between two samples of the file system. */
export const DISK_SAMPLE_INTERVAL_MS = 10_000;
/** Largest token file read. */
export const MAX_TOKEN_FILE_BYTES = 4096;
/** Most bytes of compressed copies kept at once (the whole built app is well under 1 MiB compressed). */
export const MAX_COMPRESSED_CACHE_BYTES = 16 * 1024 * 1024;
/** Files larger than this are streamed as they are (nothing the app ships is this large). */
export const MAX_COMPRESS_BYTES = 8 * 1024 * 1024;
/** Time limit of one status request the CLI or a relay makes. */
export const STATUS_TIMEOUT_MS = 10_000;
/** Largest status answer read. */
export const MAX_STATUS_BYTES = 1024 * 1024;
/** How often a relay asks whether it is behind (also done on every membership change). */
export const LEDGER_CATCH_UP_INTERVAL_MS = 3_000;
/** Time limit of a relay's ledger request to the sequencer (submit, catch-up page). */
export const LEDGER_REQUEST_TIMEOUT_MS = 10_000;
/** Time-out of one question to another member (a pin, a head). */
export const LEDGER_PEER_QUESTION_TIMEOUT_MS = 5_000;
/** Entries that arrived ahead of a gap, kept until the gap is filled. */
export const LEDGER_MAX_BUFFERED = 1_000;
/** Pages fetched in one catch-up round (bounded work). */
export const LEDGER_MAX_CATCH_UP_PAGES = 100;
/** Members asked, in the manifest's rendezvous order, for the registering key's pin. */
export const MAX_PIN_HOLDERS_ASKED = 8;
/** Distinct conflicts remembered for the status (oldest forgotten first; the counter keeps counting). */
export const MAX_LEDGER_CONFLICTS_SHOWN = 16;
/** Time limit of a relay's question to another holder of a library record. */
export const LIBRARY_REQUEST_TIMEOUT_MS = 5_000;
/** Time shutdown waits for peers to acknowledge the close before cutting sockets. */
export const SHUTDOWN_GRACE_MS = 2_000;
/** Candidates read from FTS5 per query before the coverage floor (bounded work per search). */
export const MAX_SEARCH_CANDIDATES = 200;
/** Time kept back at each level for the answer to travel up. */
export const SEARCH_HOP_MARGIN_MS = 250;
/** How often a relay checks whether its subtree summary changed (and sends it to its parent). */
export const SEARCH_SUMMARY_INTERVAL_MS = 1_000;
/** A summary is sent again at least this often, so a restarted parent learns it. */
export const SEARCH_SUMMARY_REFRESH_MS = 15_000;
/** Notes remembered per relay (oldest forgotten first). */
export const MAX_DIAG_RECEIPTS = 256;
/** Longest text of a diagnostic note, in characters. */
export const MAX_DIAG_TEXT = 200;
/** Relays remembered as admitted (oldest forgotten first; they present their token again on a new link). */
export const MAX_ADMITTED = 4_096;
/** After a failed dial, sends to that peer are dropped (the tree protocol re-sends) for this long. */
export const DIAL_BACKOFF_MS = 1_000;
/** Time limit for one dial (connect plus handshake). */
export const DIAL_TIMEOUT_MS = 5_000;
/** Frames queued for one peer while its link is being dialed; older ones are dropped beyond this. */
export const MAX_QUEUED_PER_PEER = 512;
/** Bodies whose JSON is longer than this go into the frame payload (the header is limited to 64 KiB). */
export const INLINE_BODY_LIMIT = 48 * 1024;
/** At most this many member lines per step (a large first sync lists nobody one by one). */
export const MAX_MEMBER_EVENTS = 16;
/** Links the application used this recently stay open when the tree lets them go. */
export const APP_LINK_KEEP_MS = 60_000;
/** After the relay has left, time given to the last frames to reach the socket before it closes. */
export const LEAVE_FLUSH_MS = 300;
/** A disk-full warning is logged at most this often (every refused write would otherwise log one). */
export const DISK_FULL_LOG_GAP_MS = 60_000;
/** A RATE_LIMITED answer goes out at most this often per link (answers must not become the flood). */
export const RATE_LIMITED_ANSWER_GAP_MS = 1_000;
/** Frames waiting for verification on one socket before reading pauses. */
export const MAX_QUEUED_FRAMES = 64;
/** Bytes waiting for verification on one socket before reading pauses. */
export const MAX_QUEUED_BYTES = 2 * MAX_FRAME_BYTES;
/**
 * Frames of one socket whose signatures are checked at once. Verification runs on the threadpool, so a peer
 * that sends many requests at once is not held to one verification's latency at a time (≈ 8,400/s here);
 * bounded so that one socket cannot queue more than a few jobs ahead of every other socket's.
 */
export const MAX_CONCURRENT_VERIFICATIONS = 8;
/** Bytes a link lets pile up in its socket before refusing sends with FULL. */
export const LINK_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** How often a send waiting for room in the socket's buffer looks again. */
export const LINK_FULL_POLL_MS = 5;
/** Handlers running at once for one link before reading from it waits. */
export const MAX_INFLIGHT_HANDLERS = 32;
/** Small frames of one link signed ahead of their turn at once (see send). */
export const MAX_EARLY_SIGNATURES = 16;
/** Requests waiting for a reply on one link. */
export const MAX_LINK_PENDING_REQUESTS = 1024;
/** Memories repaired at once after a departure: repair competes with users' traffic, so it is kept modest. */
export const MEMORY_REPAIR_CONCURRENCY = 4;

// --- the relay's storage app and routed transport (node-relay/storage/) ---
/** Relays asked at once when looking for a shard this relay does not hold. */
export const FIND_PARALLEL = 3;
/** Most relays asked for one shard before giving up (bounded work per request). */
export const FIND_MAX_ASKED = MAX_FAN_OUT_PER_REQUEST;
/**
 * Most relays one release asks: the rendezvous-ranked ones, then the holders those name (a shard stored with more
 * replicas than the default), only after one of them released a pin of the signer.
 */
export const UNPIN_MAX_ASKED = MAX_FAN_OUT_PER_REQUEST + MAX_REPLICAS;
/** Other relays one shard is asked of once the entry relay is gone. */
export const MAX_FAILOVER_RELAYS = 4;
/** Most direct links one transport keeps open (a file's shards spread over at most this many relays at once). */
export const MAX_ROUTED_LINKS = 64;
/** Requests one fetch may have in flight at once: the first holder and one hedge. */
export const MAX_PARALLEL_ASKS_PER_SHARD = 2;
/**
 * Shards up to this size come back with the answer to "do you have it?"; larger ones are then fetched from one
 * holder only, instead of from every relay asked at once (which multiplied the bytes sent by FIND_PARALLEL).
 */
export const FIND_INLINE_BYTES = 64 * 1024;
/** A known holder that has not answered within this delay gets company: the next holder is asked too. */
export const FIND_HEDGE_MS = 300;

// --- the library record (core/library/): it must fit one shard ---
/** A record must fit in one shard. */
export const LIBRARY_MAX_RECORD_BYTES = DEFAULT_SHARD_BYTES;
/** Most files one record lists. */
export const LIBRARY_MAX_ENTRIES = 4096;
/** Most collections in one record, and most items over all of them (the record must fit one shard). */
export const LIBRARY_MAX_COLLECTIONS = 256;
export const LIBRARY_MAX_COLLECTION_ITEMS = 4096;

// --- the PWA (pwa/src/): its requests, caches, gestures and screens ---
/** Relays the app remembers (its own list of where to connect). */
export const PWA_MAX_RELAYS = 16;
/** A finished or stopped download's line stays this long (ms), so that it can be read. */
export const DOWNLOAD_DONE_LINE_MS = 4_000;
/** A press held this long counts as a long press. */
export const LONG_PRESS_MS = 500;
/** Two taps within this long (ms) and this close (px) are a double tap. */
export const DOUBLE_TAP_MS = 300;
/** The viewer's zoom: from the photo fitted to the screen (1) to this many times that. */
export const VIEWER_MIN_SCALE = 1;
export const VIEWER_MAX_SCALE = 8;
/** Registrations older than this are removed when a new one is made. */
export const STREAM_REGISTRATION_TTL_MS = 24 * 60 * 60 * 1000;
/** Files shown for one query (or, for an empty query, the most recent ones). */
export const MAX_OWN_RESULTS = 20;
/** Below this much elapsed time a speed is noise, not a measurement. */
export const PROGRESS_MIN_MEASURE_MS = 300;
/** Changes are gathered for this long before a version is published. */
export const LIBRARY_PUBLISH_DEBOUNCE_MS = 1_500;
/** Time limit of one request of the app's library sync (a head, a record). */
export const LIBRARY_SYNC_REQUEST_TIMEOUT_MS = 20_000;
/** A publish that meets another device's newer head merges and tries again at most this many times. */
export const LIBRARY_MAX_CONFLICT_ROUNDS = 4;
/** Longest `?…` part of an open route that is read at all. */
export const MAX_VIA_TEXT = (MAX_VIA_URL * 3 + 1) * MAX_LINK_RELAYS + 8;
/** Another context holds the outbox lock: look again after this long. */
export const OUTBOX_LOCKED_RETRY_MS = 2_000;
/** Requests waiting for a reply at once (each holds at most one shard). */
export const PWA_MAX_PENDING_REQUESTS = 64;
/** Members the app reads from a relay's status (the relay lists at most MAX_STATUS_MEMBERS). */
export const PWA_STATUS_MAX_MEMBERS = 4096;
/** Time limit of the app's status request to a relay. */
export const PWA_STATUS_TIMEOUT_MS = 5_000;
/** A relay's status JSON is small; anything larger is refused before parsing. */
export const PWA_MAX_STATUS_BYTES = 256 * 1024;
/** Children of one relay the app reads from its status. */
export const PWA_STATUS_MAX_CHILDREN = 1024;
/** After "Linked", the page shows it this long before it reloads into the person's files. */
export const LINK_DONE_RELOAD_MS = 2_000;
/** The network screen reads the relay's status again this often while it is shown. */
export const NETWORK_VIEW_REFRESH_MS = 5_000;
/** Longest search text a route carries: what a relay reads of a query. */
export const MAX_ROUTE_QUERY = MAX_QUERY_CHARS;
/** The encrypting worker reports its progress at most this often. */
export const SEAL_PROGRESS_INTERVAL_MS = 100;
