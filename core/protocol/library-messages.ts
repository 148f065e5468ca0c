// Message types of the library application (node-relay/library/) and checks of their untrusted bodies,
import { objectBody } from './object-body.ts';
// shared by relays and clients.
import { PeerTreeError } from '../errors.ts';
import { readHead, type LibraryHead } from '../library/record.ts';

/** client → relay: keep this head → PUBLISHED { seq, holders }. A stale head is refused with CONFLICT. */
export const PUBLISH = 'library.publish';
export const PUBLISHED = 'library.published';
/** relay → relay: keep this head too (one of the owner's rendezvous relays) → KEPT { seq }. */
export const REPLICATE = 'library.replicate';
export const KEPT = 'library.kept';
/** anyone → relay: the newest head of `owner` → HEAD { head | null }; the relay asks the owner's relays too. */
export const GET = 'library.get';
/** relay → relay: the head this relay holds itself → HEAD { head | null }. */
export const LOOKUP = 'library.lookup';
export const HEAD = 'library.head';

const HEX32 = /^[0-9a-f]{64}$/;

export function readOwner(body: unknown, what: string): string {
  const owner = objectBody(body, what).owner;
  if (typeof owner !== 'string' || !HEX32.test(owner))
    throw new PeerTreeError('BAD_INPUT', `${what}: owner must be a public key (64 hex chars)`);
  return owner;
}

export function readHeadBody(body: unknown, what: string): unknown {
  return objectBody(body, what).head;
}

/** Checks a HEAD reply: null, or a well-formed head of `owner` (the caller verifies its signature). */
export function readHeadReply(type: string, body: unknown, owner: string): LibraryHead | null {
  if (type !== HEAD) throw new PeerTreeError('BAD_INPUT', `unexpected reply ${type} to ${GET}`);
  const head = objectBody(body, HEAD).head;
  if (head === null || head === undefined) return null;
  const h = readHead(head);
  if (h.owner !== owner) throw new PeerTreeError('BAD_INPUT', `${HEAD}: the head names another key`);
  return h;
}

/** Checks a PUBLISHED reply for `seq`. */
export function readPublished(type: string, body: unknown, seq: number): { seq: number; holders: number } {
  if (type !== PUBLISHED) throw new PeerTreeError('BAD_INPUT', `unexpected reply ${type} to ${PUBLISH}`);
  const b = objectBody(body, PUBLISHED);
  if (b.seq !== seq) throw new PeerTreeError('BAD_INPUT', `${PUBLISHED}: the relay kept another version`);
  const holders = typeof b.holders === 'number' && Number.isSafeInteger(b.holders) && b.holders >= 0 ? b.holders : 0;
  return { seq, holders };
}
