// What a receiver does with a frame its verifier refused, and the words the sender reads: a relay answers a
// refusal its sender can act on (a clock, a rate, a tree), so a request fails at once with the refusal's code
// instead of waiting for its time-out. Both shells read refusals with these, so they agree.
import { ERROR_TABLE, errorCodeForClose, PeerTreeError, type ErrorCode } from '../errors.ts';
import { FRESHNESS_WINDOW_MS } from '../limits.ts';
import { DROP_REASON_CODES, type DroppedFrame, type DropReason } from '../wire/verifier.ts';

/**
 * reply: a signed `peer.error` to the frame's id, at most MAX_REFUSAL_REPLIES_PER_SOCKET at once per socket
 * (REFUSAL_REPLIES_FORGIVEN_PER_SECOND more each second). none: not answered (a correct peer never sends such a
 * frame, or, for `replay`, the first copy was answered).
 */
export type DropAnswer = 'reply' | 'none';

export const DROP_ANSWERS: Readonly<Record<DropReason, DropAnswer>> = {
  'too-large': 'none',
  truncated: 'none',
  'bad-magic': 'none',
  'bad-utf8': 'none',
  'bad-json': 'none',
  'bad-field': 'none',
  'foreign-tree': 'reply',
  stale: 'reply',
  replay: 'none',
  'replay-sender-full': 'reply',
  'replay-full': 'reply',
  'bad-signature': 'none',
};

/**
 * Refusals whose sender is answered by a close (the mapped close code, no signature) once its socket has had
 * its answers: every frame of that key (or everyone's) is refused for minutes. A stale or foreign frame past
 * the bound is only counted: one such frame (a stray, a fuzzer's) must not cost a good connection.
 */
export const CLOSE_PAST_BOUND: ReadonlySet<DropReason> = new Set(['replay-sender-full', 'replay-full']);

/** Whole minutes in `ms`, rounded. */
function minutesIn(ms: number): number {
  return Math.round(ms / 60_000);
}

const WINDOW_MINUTES = minutesIn(FRESHNESS_WINDOW_MS);

/** How far `theirs` is from `ours`, in words ("10 minutes ahead of"). */
function offsetWords(ours: number, theirs: number): string {
  const diff = ours - theirs;
  const minutes = minutesIn(Math.abs(diff));
  const amount = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : 'less than a minute';
  return `${amount} ${diff > 0 ? 'ahead of' : 'behind'}`;
}

/** The words of a stale refusal: by how much this device's clock is off when the other side's time is known. */
export function clockWords(localNow: number, relayTime: number | null): string {
  if (relayTime === null || !Number.isFinite(relayTime) || !Number.isFinite(localNow))
    return `this device's clock is more than ${WINDOW_MINUTES} minutes off the relay's; set the clock and try again`;
  return `this device's clock is ${offsetWords(localNow, relayTime)} the relay's; set the clock and try again`;
}

/**
 * The plain words a sender reads for a refusal of `reason`; for `stale`, computed by the relay from the frame's
 * time (`frameTs`) and its own (`relayNow`).
 */
export function refusalWords(reason: DropReason, frameTs = Number.NaN, relayNow: number | null = null): string {
  switch (reason) {
    case 'replay-sender-full':
      return `too many requests from this key in the last ${WINDOW_MINUTES} minutes; wait and retry`;
    case 'replay-full':
      return `the relay is taking too many requests from everyone now; wait a few minutes and retry, or use another relay`;
    case 'foreign-tree':
      return 'the relay now belongs to another tree than this connection; connect again and retry';
    case 'stale':
      return clockWords(frameTs, relayNow);
    default:
      return ERROR_TABLE[DROP_REASON_CODES[reason]].message;
  }
}

/** Close codes a relay uses for a refused frame: pending requests fail with these codes, not CLOSED. */
const REFUSAL_CLOSE_CODES: ReadonlySet<ErrorCode> = new Set(['STALE', 'RATE_LIMITED', 'FOREIGN_TREE', 'UNAVAILABLE']);

/**
 * The error the pending requests of a connection closed with `closeCode` and `reason` fail with: the refusal's
 * own code and words for a refusal close, else null (the caller's CLOSED). `localNow`: this device's clock.
 */
export function closeRefusal(closeCode: number, reason: string, localNow: number): PeerTreeError | null {
  const code = errorCodeForClose(closeCode);
  if (!REFUSAL_CLOSE_CODES.has(code) || (code === 'UNAVAILABLE' && closeCode !== ERROR_TABLE.UNAVAILABLE.close))
    return null;
  if (code === 'STALE') return new PeerTreeError('STALE', clockWords(localNow, null));
  const said = reason.trim();
  return new PeerTreeError(code, said !== '' ? `the relay closed the connection: ${said}` : ERROR_TABLE[code].message);
}

/**
 * A reply this side's own verifier refused as stale or foreign (the other side's clock or tree disagrees with
 * ours, so its answer, even a refusal, cannot be read): the request it answers fails at once with that code,
 * and for a clock with how far off ours is (the reply's time is the relay's). Unverified, so it only fails a
 * request of this connection, which whoever can write on it could as well cut. Null for anything else.
 */
export function unreadableReply(
  reason: DropReason,
  frame: DroppedFrame | undefined,
  localNow: number,
): { re: string; error: PeerTreeError } | null {
  if (frame === undefined || frame.re === null) return null;
  if (reason === 'stale') return { re: frame.re, error: new PeerTreeError('STALE', clockWords(localNow, frame.ts)) };
  if (reason === 'foreign-tree')
    return { re: frame.re, error: new PeerTreeError('FOREIGN_TREE', refusalWords(reason)) };
  return null;
}
