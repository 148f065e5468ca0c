// Message types of the storage application and checks of their untrusted bodies.
import { objectBody } from './object-body.ts';
import { MAX_LIST_PAGE, MAX_PINS_PER_MESSAGE, MAX_REPLICAS } from '../limits.ts';
import { isShardHash } from '../storage/capability.ts';
import { isNodeId } from '../identity/node-id.ts';
import { PeerTreeError } from '../errors.ts';
import type { Message } from '../wire/index.ts';
import { readPin, type PinRecord, type PinStatement } from '../storage/pin.ts';
import { readPinList, type PinListStatement } from '../storage/pin-list.ts';

/**
 * client → any relay: store this shard (payload) on `replicas` relays; answered by STORED { holders }. `pin` (the
 * sender's signed pin on `hash`) is required: a shard without it is refused with FORBIDDEN.
 */
export const STORE = 'shard.store';
export const STORED = 'shard.stored';
/**
 * relay → holder: keep this shard (payload); `holders` is the intended holder set; `pins` the owners' signed pins
 * (at least one; each must verify, or the put is refused). Answered by OK.
 */
export const PUT = 'shard.put';
export const OK = 'shard.ok';
/**
 * anyone → relay: the bytes of shard `hash`; with `local: true` only from this relay's own store. With
 * `local: true` and `inline: N`, a shard larger than N bytes is not sent: the answer is DATA { hash, size }
 * without payload (a cheap "do you have it?" before fetching a large shard from one holder only).
 */
export const GET = 'shard.get';
export const DATA = 'shard.data';
/** holder → holder: the holder set of `hash` changed. */
export const HOLDERS = 'shard.holders';
/**
 * owner → relay: release my pin (signed `unpin` statement); with `local: true` only on this relay, whose answer
 * RELEASED { released, holders? } names the holders it knows when it released a pin.
 */
export const UNPIN = 'shard.unpin';
export const RELEASED = 'shard.released';

/**
 * owner → relay: the pins the owner holds on this relay, in hash order after `after` (null: from the start), at
 * most `limit` (≤ MAX_LIST_PAGE). `list` is the owner's signed list statement (core/storage/pin-list.ts); the
 * relay answers only the owner itself. Answered by LISTED { pins: [{ hash, size, ts }], next }: `next` is the
 * hash to ask after for the next page, null on the last one. Only this relay's own pins: the client asks each
 * relay of the tree.
 */
export const LIST = 'shard.list';
export const LISTED = 'shard.listed';

function hashOf(b: Record<string, unknown>, type: string): string {
  if (!isShardHash(b.hash)) throw new PeerTreeError('BAD_INPUT', `${type}: hash must be 64 lowercase hex chars`);
  return b.hash;
}

/** The shard bytes travel as the frame's binary payload (an absent payload is an empty shard). */
function payloadOf(m: Message): Uint8Array {
  return m.payload ?? new Uint8Array(0);
}

function holdersOf(b: Record<string, unknown>, type: string): string[] {
  if (!Array.isArray(b.holders) || b.holders.length > MAX_REPLICAS * 4 || !b.holders.every(isNodeId)) {
    throw new PeerTreeError('BAD_INPUT', `${type}: holders must be a list of node ids`);
  }
  return [...new Set(b.holders as string[])];
}

function pinOf(value: unknown, type: string, op: 'pin' | 'unpin', hash: string): PinStatement {
  const pin = readPin(value);
  if (!pin || pin.op !== op || pin.hash !== hash)
    throw new PeerTreeError('BAD_INPUT', `${type}: malformed ${op} statement`);
  return pin;
}

function pinRecordsOf(b: Record<string, unknown>, type: string): PinRecord[] {
  if (b.pins === undefined) return [];
  if (!Array.isArray(b.pins) || b.pins.length > MAX_PINS_PER_MESSAGE)
    throw new PeerTreeError('BAD_INPUT', `${type}: pins must be a short list`);
  return b.pins.map((p: unknown) => {
    const r = p as Record<string, unknown> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.owner !== 'string' ||
      !/^[0-9a-f]{64}$/.test(r.owner) ||
      typeof r.ts !== 'number' ||
      !Number.isSafeInteger(r.ts) ||
      r.ts < 0 ||
      typeof r.sig !== 'string' ||
      !/^(?:[0-9a-f]{128})?$/.test(r.sig)
    ) {
      throw new PeerTreeError('BAD_INPUT', `${type}: malformed pin`);
    }
    return { owner: r.owner, ts: r.ts, sig: r.sig };
  });
}

export function readStore(m: Message): { hash: string; replicas: number; bytes: Uint8Array; pin: PinStatement | null } {
  const b = objectBody(m.body, m.type);
  const replicas = b.replicas;
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new PeerTreeError('BAD_INPUT', `${STORE}: replicas must be an integer from 1 to ${MAX_REPLICAS}`);
  }
  const hash = hashOf(b, STORE);
  return { hash, replicas, bytes: payloadOf(m), pin: b.pin === undefined ? null : pinOf(b.pin, STORE, 'pin', hash) };
}

/** `replicas`: the shard's target replica count, when the sender gives it (null: take the holder set's length). */
export function readPut(m: Message): {
  hash: string;
  holders: string[];
  bytes: Uint8Array;
  pins: PinRecord[];
  replicas: number | null;
} {
  const b = objectBody(m.body, m.type);
  const r = b.replicas;
  if (r !== undefined && (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 1 || r > MAX_REPLICAS)) {
    throw new PeerTreeError('BAD_INPUT', `${PUT}: replicas must be an integer from 1 to ${MAX_REPLICAS}`);
  }
  return {
    hash: hashOf(b, PUT),
    holders: holdersOf(b, PUT),
    bytes: payloadOf(m),
    pins: pinRecordsOf(b, PUT),
    replicas: r ?? null,
  };
}

export function readUnpin(m: Message): { unpin: PinStatement; local: boolean } {
  const b = objectBody(m.body, m.type);
  const raw = b.unpin as Record<string, unknown> | undefined;
  const hash = typeof raw === 'object' && raw !== null ? raw.hash : undefined;
  if (!isShardHash(hash)) throw new PeerTreeError('BAD_INPUT', `${UNPIN}: unpin.hash must be 64 lowercase hex chars`);
  return { unpin: pinOf(b.unpin, UNPIN, 'unpin', hash), local: b.local === true };
}

/** A RELEASED answer to a local release: how many pins it released, and the holders it names (checked). */
export function readReleased(body: unknown): { released: number; holders: string[] } {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const released =
    typeof b.released === 'number' && Number.isSafeInteger(b.released) && b.released >= 0 && b.released <= 1
      ? b.released
      : 0;
  const holders =
    Array.isArray(b.holders) && b.holders.length <= MAX_REPLICAS * 4 && b.holders.every(isNodeId)
      ? [...new Set(b.holders as string[])]
      : [];
  return { released, holders };
}

export function readGet(m: Message): { hash: string; local: boolean; inline: number | null } {
  const b = objectBody(m.body, m.type);
  const inline = typeof b.inline === 'number' && Number.isSafeInteger(b.inline) && b.inline >= 0 ? b.inline : null;
  return { hash: hashOf(b, GET), local: b.local === true, inline };
}

export function readHolders(m: Message): { hash: string; holders: string[] } {
  const b = objectBody(m.body, m.type);
  return { hash: hashOf(b, HOLDERS), holders: holdersOf(b, HOLDERS) };
}

export function readList(m: Message): { list: PinListStatement; after: string | null; limit: number } {
  const b = objectBody(m.body, m.type);
  const list = readPinList(b.list);
  if (!list) throw new PeerTreeError('BAD_INPUT', `${LIST}: malformed list statement`);
  if (b.after !== undefined && b.after !== null && !isShardHash(b.after))
    throw new PeerTreeError('BAD_INPUT', `${LIST}: after must be a shard hash or null`);
  const limit = b.limit === undefined ? MAX_LIST_PAGE : b.limit;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_PAGE) {
    throw new PeerTreeError('BAD_INPUT', `${LIST}: limit must be an integer from 1 to ${MAX_LIST_PAGE}`);
  }
  return { list, after: (b.after as string | null | undefined) ?? null, limit };
}

/** One pin a relay lists: the shard, its size in bytes as the relay stores it, and when the owner signed the pin. */
export interface ListedPin {
  readonly hash: string;
  readonly size: number;
  readonly ts: number;
}

/**
 * A LISTED answer to a request for `limit` pins after `after`, checked: hashes strictly ascending and after
 * `after`, at most `limit`, sizes and times non-negative integers, and `next` either null or the last hash listed
 * (so paging always moves forward and ends). Anything else is refused as BAD_INPUT.
 */
export function readListed(
  body: unknown,
  after: string | null,
  limit: number,
): { pins: ListedPin[]; next: string | null } {
  const b = objectBody(body, LISTED);
  if (!Array.isArray(b.pins) || b.pins.length > limit)
    throw new PeerTreeError('BAD_INPUT', `the answer to ${LIST} is not a page of at most ${limit} pins`);
  const pins: ListedPin[] = [];
  let last = after;
  for (const raw of b.pins as unknown[]) {
    const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const ok =
      isShardHash(p.hash) &&
      (last === null || p.hash > last) &&
      [p.size, p.ts].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);
    if (!ok) throw new PeerTreeError('BAD_INPUT', `the answer to ${LIST} lists a malformed or out-of-order pin`);
    pins.push({ hash: p.hash as string, size: p.size as number, ts: p.ts as number });
    last = p.hash as string;
  }
  const next = b.next ?? null;
  if (next !== null && (pins.length === 0 || next !== last))
    throw new PeerTreeError('BAD_INPUT', `the answer to ${LIST} names a next page that does not follow its pins`);
  return { pins, next: next as string | null };
}
