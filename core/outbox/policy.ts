// The retry policy of a client's outbox (the PWA's uploads, releases and memories), as pure functions with
// `now` passed in: which failures are worth waiting out, what to tell the person, and when to try again.
//
// Transient (the item stays queued and is tried again with backoff): no relay reachable, a link that closed,
// time-outs, UNAVAILABLE (a tree too small for the replica count, a relay restarting), a relay that is full
// (another may have room), rate limits. Final (shown as an error, waits for the person): a used-up quota,
// FORBIDDEN, RELEASED (the file was deleted while it was being stored), a file that is damaged or missing on this device, malformed requests.
import { UPLOAD_RETRY_BASE_MS, UPLOAD_RETRY_MAX_MS } from '../limits.ts';

export type FailureKind = 'transient' | 'final';

export interface Failure {
  /** PeerTreeError code, or 'CONNECTION' for a failure with no relay answer, 'MISSING' for local data gone. */
  readonly code: string;
  readonly message: string;
  /** True when a relay answered with a refusal (peer.error); false when there was no answer. */
  readonly refused: boolean;
}

export interface Verdict {
  readonly kind: FailureKind;
  /** What the person reads on the row: what it waits for, or what went wrong and what to do. */
  readonly reason: string;
}

// FOREIGN_TREE: the relay answered for another tree id than the one this socket learned from its hello (it was
// restarting or rejoined its tree); the next connection learns the new one.
const TRANSIENT_CODES = new Set([
  'UNAVAILABLE',
  'TIMEOUT',
  'CLOSED',
  'RATE_LIMITED',
  'CONNECTION',
  'STALE',
  'REPLAY',
  'FOREIGN_TREE',
]);

/** Classifies a failure and words it for the person. */
export function classifyFailure(f: Failure): Verdict {
  const need = /need (\d+) relays? for \d+ replicas?, but the tree has (\d+)/.exec(f.message);
  if (need) {
    const missing = Math.max(1, Number(need[1]) - Number(need[2]));
    return {
      kind: 'transient',
      reason: `waiting for ${missing} more relay${missing === 1 ? '' : 's'} to join the network`,
    };
  }
  if (f.code === 'FULL') {
    if (/quota/i.test(f.message))
      return {
        kind: 'final',
        reason: 'your storage allowance on the relays is used up; delete files you no longer need, then retry',
      };
    return { kind: 'transient', reason: 'waiting for a relay with free space' };
  }
  if (f.code === 'MISSING')
    return {
      kind: 'final',
      reason: 'part of this file is no longer on this device (browser storage was cleared); add the file again',
    };
  if (f.code === 'FORBIDDEN')
    return {
      kind: 'final',
      reason: 'the relays do not allow this file to be stored; ask whoever runs your relay, or delete the file',
    };
  if (f.code === 'RELEASED')
    return {
      kind: 'final',
      reason: 'this file was deleted while it was being stored, so the relays did not keep it; add it again to keep it',
    };
  if (f.code === 'HASH_MISMATCH' || f.code === 'TOO_LARGE')
    return { kind: 'final', reason: 'this file could not be stored as it is; add it again' };
  if (TRANSIENT_CODES.has(f.code)) {
    if (f.code === 'TIMEOUT') return { kind: 'transient', reason: 'waiting for a relay to answer' };
    if (f.code === 'UNAVAILABLE' && f.refused)
      return { kind: 'transient', reason: 'waiting for the relays to be ready' };
    if (f.code === 'RATE_LIMITED')
      return { kind: 'transient', reason: 'the relay asked to slow down; trying again soon' };
    return { kind: 'transient', reason: 'waiting for a connection to a relay' };
  }
  if (!f.refused) return { kind: 'transient', reason: 'waiting for a connection to a relay' };
  // The code stays out of the words: the outbox item keeps it, with the relay's answer, as lastError.
  return {
    kind: 'final',
    reason: 'a relay refused this file; press Retry, and if it is refused again, add the file again',
  };
}

/**
 * When to try again after `failures` consecutive transient failures (1 for the first): a random point in
 * [cap/2, cap] after `now`, cap = min(UPLOAD_RETRY_MAX_MS, UPLOAD_RETRY_BASE_MS · 2^(failures−1)). `random` is in [0, 1).
 */
export function nextAttemptAt(failures: number, now: number, random: number): number {
  const n = Math.max(1, Math.min(failures, 32));
  const cap = Math.min(UPLOAD_RETRY_MAX_MS, UPLOAD_RETRY_BASE_MS * 2 ** (n - 1));
  const r = Math.min(Math.max(random, 0), 1);
  return now + Math.round(cap / 2 + r * (cap / 2));
}

export interface Schedulable {
  readonly stopped: boolean;
  readonly nextAttemptAt?: number | null;
}

/**
 * Whether an item may be sent now. `reconnected` (the connection just came back, or the person asked) makes
 * every waiting item due at once: the condition it waited for may be gone.
 */
export function isDue(item: Schedulable, now: number, reconnected = false): boolean {
  if (item.stopped) return false;
  return reconnected || item.nextAttemptAt == null || item.nextAttemptAt <= now;
}

/** The earliest time a waiting item becomes due (null when none waits on a time). */
export function nextWake(items: readonly Schedulable[], now: number): number | null {
  let best: number | null = null;
  for (const i of items) {
    if (i.stopped || i.nextAttemptAt == null) continue;
    const at = Math.max(now, i.nextAttemptAt);
    if (best === null || at < best) best = at;
  }
  return best;
}

/** Orders the items for one pass: those due now (see isDue), oldest first (ties keep their order). */
export function dueInOrder<T extends Schedulable & { readonly createdAt: number }>(
  items: readonly T[],
  now: number,
  reconnected = false,
): T[] {
  return items.filter((i) => isDue(i, now, reconnected)).sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * The failure an error means. `missing`: data of this device is gone (a shard the upload needs). An error that is
 * not a relay's refusal and has no known code (INTERNAL) is a connection problem: nobody answered.
 */
export function failureOf(
  e: { readonly code: string; readonly message: string; readonly refused: boolean },
  missing = false,
): Failure {
  const code = missing ? 'MISSING' : !e.refused && e.code === 'INTERNAL' ? 'CONNECTION' : e.code;
  return { code, refused: e.refused, message: e.message };
}

/** What an outbox item records after its `attempts`-th failed attempt; `error` is the technical text, kept for whoever debugs. */
export interface RetryState {
  readonly attempts: number;
  readonly lastError: string;
  readonly stopped: boolean;
  readonly nextAttemptAt: number | null;
}

/** A final verdict stops the item until the person retries; a transient one sets the next attempt time. `random` in [0, 1). */
export function afterFailure(
  verdict: Verdict,
  attempts: number,
  error: string,
  now: number,
  random: number,
): RetryState {
  const final = verdict.kind === 'final';
  return {
    attempts,
    lastError: error,
    stopped: final,
    nextAttemptAt: final ? null : nextAttemptAt(attempts, now, random),
  };
}

/** What the file says after its upload failed: an error with what to do, or still queued with what it waits for. */
export function uploadAfterFailure(verdict: Verdict): {
  readonly status: 'error' | 'queued';
  readonly error: string | null;
  readonly waiting: string | null;
} {
  return verdict.kind === 'final'
    ? { status: 'error', error: verdict.reason, waiting: null }
    : { status: 'queued', error: null, waiting: verdict.reason };
}

/**
 * Whether a pass goes on with the next item after this one failed. A final refusal concerns only this item; a
 * transient one (no connection, a tree too small) would fail the next ones too, so the pass ends and waits.
 */
export function continuesAfter(verdict: Verdict): boolean {
  return verdict.kind === 'final';
}

/**
 * What to do with a memory that describes a file: wait while the file's upload is still in the outbox (its `ref`
 * must resolve first), drop it when the file is gone or did not get stored, send it otherwise.
 */
export function memoryStep(file: {
  readonly uploadPending: boolean;
  readonly stored: boolean;
}): 'wait' | 'drop' | 'send' {
  if (file.uploadPending) return 'wait';
  return file.stored ? 'send' : 'drop';
}
