// Timers and bounds of the tree protocol (shared limits such as heartbeats live in core/limits.ts).
import { HEARTBEAT_INTERVAL_MS, PEER_TIMEOUT_MS } from '../limits.ts';

export { HEARTBEAT_INTERVAL_MS, PEER_TIMEOUT_MS };

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
export const MAX_PENDING_REQUESTS = 1_024;
/** A directed message is dropped after this many forwarding hops. */
export const MAX_HOPS = 64;
/** A join request is forwarded at most this many times. */
export const MAX_JOIN_HOPS = 8;
/** Minimum gap between two full membership syncs sent to the same peer. */
export const SYNC_GAP_MS = 1_000;
/** Largest tree the protocol accepts in a membership sync. */
export const MAX_MEMBERS = 10_000_000;
/** Longest relay id and url. */
export const MAX_ID_LENGTH = 256;
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
export const MAX_CHECKS = 64;
/** Most membership operations in one update. */
export const MAX_OPS_PER_UPDATE = 64;
