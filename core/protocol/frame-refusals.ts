// What a receiver does with a frame its verifier refused, and the words the sender reads: the relay answers a
// refusal its sender can act on (a clock, a rate, a tree), so a request fails at once with the refusal's code
// instead of waiting for its time-out. Both shells read refusals with these, so they agree.
import { ERROR_TABLE, errorCodeForClose, PeerTreeError, type ErrorCode } from '../errors.ts';
import { FRESHNESS_WINDOW_MS } from '../limits.ts';
import { DROP_REASON_CODES, type DropReason } from '../wire/verifier.ts';

/**
 * close: the socket is closed with the reason's close code (no signature; every later frame would be refused
 * too, and the sender's verifier would refuse a signed answer for the same reason). reply: a signed `peer.error`
 * to the frame's id, bounded per socket (the refusal passes once the sender waits). none: not answered (a
 * correct peer never sends such a frame, or, for `replay`, the first copy is answered).
 */
export type DropAnswer = 'close' | 'reply' | 'none';

export const DROP_ANSWERS: Readonly<Record<DropReason, DropAnswer>> = {
  'too-large': 'none',
  truncated: 'none',
  'bad-magic': 'none',
  'bad-utf8': 'none',
  'bad-json': 'none',
  'bad-field': 'none',
  'foreign-tree': 'close',
  stale: 'close',
  replay: 'none',
  'replay-sender-full': 'reply',
  'replay-full': 'reply',
  'bad-signature': 'none',
};

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
  if (relayTime === null || !Number.isFinite(relayTime))
    return `this device's clock is more than ${WINDOW_MINUTES} minutes off the relay's; set the clock and try again`;
  return `this device's clock is ${offsetWords(localNow, relayTime)} the relay's; set the clock and try again`;
}

/** The plain words a sender reads for a refusal of `reason`. */
export function refusalWords(reason: DropReason): string {
  switch (reason) {
    case 'replay-sender-full':
      return `too many requests from this key in the last ${WINDOW_MINUTES} minutes; wait and retry`;
    case 'replay-full':
      return `the relay is taking too many requests from everyone now; wait a few minutes and retry, or use another relay`;
    case 'foreign-tree':
      return 'the relay now belongs to another tree than this connection; connect again and retry';
    case 'stale':
      return clockWords(Number.NaN, null);
    default:
      return ERROR_TABLE[DROP_REASON_CODES[reason]].message;
  }
}

/**
 * The close reason of a stale refusal: the relay's own time (Unix ms), so the sender can say by how much its
 * clock is off. Unsigned like any close reason: it only words the sender's error.
 */
export function staleCloseReason(relayNow: number): string {
  return `clock off by more than ${WINDOW_MINUTES} minutes; relay time ${Math.round(relayNow)} ms`;
}

/** The relay time in a stale close reason, or null when it names none. */
export function relayTimeOf(reason: string): number | null {
  const ms = /relay time (\d{1,15}) ms/.exec(reason)?.[1];
  return ms === undefined ? null : Number(ms);
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
  if (code === 'STALE') return new PeerTreeError('STALE', clockWords(localNow, relayTimeOf(reason)));
  const said = reason.trim();
  return new PeerTreeError(code, said !== '' ? `the relay closed the connection: ${said}` : ERROR_TABLE[code].message);
}
