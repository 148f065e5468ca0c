// Message types of the mailbox application (node-relay/mailbox/) and checks of their untrusted bodies, shared by
// relays and clients. A mailbox is a rendezvous point for linking a device: anyone who knows a box id may read
// and write it, so what it carries must be protected end to end (core/identity/device-link.ts).
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';
import { MAILBOX_MAX_MESSAGE_BYTES, MAILBOX_MAX_TTL_MS, MAILBOX_MAX_WAIT_MS, MAILBOX_SLOTS } from '../limits.ts';
import { objectBody } from './object-body.ts';

/** client → relay: make box `box` for `ttl` ms → OPENED { box, expires }. CONFLICT when it exists. */
export const OPEN = 'mailbox.open';
export const OPENED = 'mailbox.opened';
/** client → relay: write `data` (base64url) into slot `slot`, once → STORED { box, slot }. */
export const PUT = 'mailbox.put';
export const STORED = 'mailbox.stored';
/** client → relay: read slot `slot`, waiting up to `wait` ms for it → ITEM { box, slot, data | null }. */
export const TAKE = 'mailbox.take';
export const ITEM = 'mailbox.item';
/** client → relay: delete the box (after the secret was taken, or to cancel) → CLOSED_BOX { box }. */
export const CLOSE = 'mailbox.close';
export const CLOSED_BOX = 'mailbox.closed';

const BOX_RE = /^[0-9a-f]{64}$/;
/** Longest base64url text of a message (4 characters per 3 bytes, no padding). */
const MAX_DATA_CHARS = Math.ceil((MAILBOX_MAX_MESSAGE_BYTES * 4) / 3);

export function readBox(body: Record<string, unknown>, what: string): string {
  const box = body.box;
  if (typeof box !== 'string' || !BOX_RE.test(box))
    throw new PeerTreeError('BAD_INPUT', `${what}: box must be 64 hex characters (32 random bytes)`);
  return box;
}

function readSlot(body: Record<string, unknown>, what: string): number {
  const slot = body.slot;
  if (typeof slot !== 'number' || !Number.isSafeInteger(slot) || slot < 0 || slot >= MAILBOX_SLOTS)
    throw new PeerTreeError('BAD_INPUT', `${what}: slot must be 0–${MAILBOX_SLOTS - 1}`);
  return slot;
}

function readMs(value: unknown, max: number, what: string, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)
    throw new PeerTreeError('BAD_INPUT', `${what}: ${name} must be 0–${max} ms`);
  return value;
}

/** Message bytes from their base64url text; TOO_LARGE above the limit. */
export function readData(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value))
    throw new PeerTreeError('BAD_INPUT', `${what}: data must be base64url text`);
  if (value.length > MAX_DATA_CHARS)
    throw new PeerTreeError('TOO_LARGE', `${what}: a message holds at most ${MAILBOX_MAX_MESSAGE_BYTES} bytes`);
  const bytes = fromBase64Url(value);
  if (bytes.length === 0) throw new PeerTreeError('BAD_INPUT', `${what}: data must not be empty`);
  if (bytes.length > MAILBOX_MAX_MESSAGE_BYTES)
    throw new PeerTreeError('TOO_LARGE', `${what}: a message holds at most ${MAILBOX_MAX_MESSAGE_BYTES} bytes`);
  return bytes;
}

export function readOpen(value: unknown): { box: string; ttl: number } {
  const b = objectBody(value, OPEN);
  const ttl = readMs(b.ttl, MAILBOX_MAX_TTL_MS, OPEN, 'ttl');
  if (ttl === 0) throw new PeerTreeError('BAD_INPUT', `${OPEN}: ttl must be 1–${MAILBOX_MAX_TTL_MS} ms`);
  return { box: readBox(b, OPEN), ttl };
}

export function readPut(value: unknown): { box: string; slot: number; data: Uint8Array } {
  const b = objectBody(value, PUT);
  return { box: readBox(b, PUT), slot: readSlot(b, PUT), data: readData(b.data, PUT) };
}

export function readTake(value: unknown): { box: string; slot: number; wait: number } {
  const b = objectBody(value, TAKE);
  return {
    box: readBox(b, TAKE),
    slot: readSlot(b, TAKE),
    wait: b.wait === undefined ? 0 : readMs(b.wait, MAILBOX_MAX_WAIT_MS, TAKE, 'wait'),
  };
}

export function readClose(value: unknown): { box: string } {
  return { box: readBox(objectBody(value, CLOSE), CLOSE) };
}

/** The ITEM body for `data` (null: nothing in the slot yet). */
export function itemBody(
  box: string,
  slot: number,
  data: Uint8Array | null,
): { box: string; slot: number; data: string | null } {
  return { box, slot, data: data ? toBase64Url(data) : null };
}
