// Message types of the ledger application and checks of their untrusted bodies.
import { objectBody } from './object-body.ts';
import { PeerTreeError } from '../errors.ts';
import { readRecord, type LedgerRecord } from '../ledger/record.ts';
import type { LedgerEntry } from '../ledger/ledger-state.ts';
import { readHead, readProof, type LedgerHead, type PinProof } from '../ledger/entry.ts';
import { MAX_LEDGER_PAGE } from '../limits.ts';

/** client → any relay: add this signed record → ACCEPTED { seq, id } once sequenced and replicated. */
export const SUBMIT = 'ledger.submit';
export const ACCEPTED = 'ledger.accepted';
/** relay → root: sequence this record → ACCEPTED. */
export const SEQUENCE = 'ledger.sequence';
/** root → its children: keep this entry before it is acknowledged → OK (only from the current root). */
export const REPLICATE = 'ledger.replicate';
export const OK = 'ledger.ok';
/** tree broadcast from the root: a new entry (accepted only when signed by a root this relay knows). */
export const ENTRY = 'ledger.entry';
/**
 * anyone → relay: entries from `from` on (at most `limit`) → ENTRIES { entries, head, vouch? }; the root adds
 * `vouch`, its signed head, so that a relay can take entries sequenced by roots it never saw (ledger.md).
 */
export const SINCE = 'ledger.since';
export const ENTRIES = 'ledger.entries';
/** anyone → relay: the entries of one asset → ENTRIES. */
export const HISTORY = 'ledger.history';
/**
 * anyone → relay: replay the whole copy and report → VERIFIED { ok, seq, chain, error?, heads, conflicts }, with
 * the signed heads of up to MAX_LEDGER_HEADS members (each signed by its own relay) so a client can spot a fork.
 */
export const VERIFY = 'ledger.verify';
export const VERIFIED = 'ledger.verified';
/** member → member: your signed head → HEAD { head, conflicts }. */
export const HEAD_REQUEST = 'ledger.head';
export const HEAD = 'ledger.headis';
/** root → member: the pin `owner` signed on shard `hash`, as you keep it → PIN { proof } (null when none). */
export const PINNED = 'ledger.pinned';
export const PIN = 'ledger.pin';

export function readRecordBody(body: unknown, what: string): LedgerRecord {
  return readRecord(objectBody(body, what).record);
}

export function readEntry(value: unknown): LedgerEntry {
  const e = objectBody(value, 'ledger entry');
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1)
    throw new PeerTreeError('BAD_INPUT', 'ledger entry: seq');
  if (typeof e.id !== 'string' || !/^[0-9a-f]{64}$/.test(e.id))
    throw new PeerTreeError('BAD_INPUT', 'ledger entry: id');
  if (typeof e.chain !== 'string' || !/^[0-9a-f]{64}$/.test(e.chain))
    throw new PeerTreeError('BAD_INPUT', 'ledger entry: chain');
  if (typeof e.by !== 'string' || !/^[0-9a-f]{64}$/.test(e.by))
    throw new PeerTreeError('BAD_INPUT', 'ledger entry: by');
  if (typeof e.sig !== 'string' || !/^[0-9a-f]{128}$/.test(e.sig))
    throw new PeerTreeError('BAD_INPUT', 'ledger entry: sig');
  return {
    seq: e.seq,
    id: e.id,
    chain: e.chain,
    record: readRecord(e.record),
    proof: readProof(e.proof),
    by: e.by,
    sig: e.sig,
  };
}

export function readEntries(body: unknown): { entries: LedgerEntry[]; head: number; vouch: LedgerHead | null } {
  const b = objectBody(body, ENTRIES);
  if (!Array.isArray(b.entries) || b.entries.length > MAX_LEDGER_PAGE)
    throw new PeerTreeError('BAD_INPUT', `${ENTRIES}: entries`);
  const head = typeof b.head === 'number' && Number.isSafeInteger(b.head) ? b.head : 0;
  return {
    entries: b.entries.map(readEntry),
    head,
    vouch: b.vouch === undefined || b.vouch === null ? null : readHead(b.vouch),
  };
}

export function readPinned(body: unknown): { hash: string; owner: string } {
  const b = objectBody(body, PINNED);
  if (
    typeof b.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(b.hash) ||
    typeof b.owner !== 'string' ||
    !/^[0-9a-f]{64}$/.test(b.owner)
  ) {
    throw new PeerTreeError('BAD_INPUT', `${PINNED}: hash and owner must be 64 hex chars`);
  }
  return { hash: b.hash, owner: b.owner };
}

export function readPin(body: unknown): PinProof | null {
  return readProof(objectBody(body, PIN).proof);
}

/** A head answer: the signed head and the relay's (unsigned) count of conflicts. */
export function readHeadReply(body: unknown): { head: LedgerHead; conflicts: number } {
  const b = objectBody(body, HEAD);
  const conflicts =
    typeof b.conflicts === 'number' && Number.isSafeInteger(b.conflicts) && b.conflicts >= 0 ? b.conflicts : 0;
  return { head: readHead(b.head), conflicts };
}

export function readSince(body: unknown): { from: number; limit: number } {
  const b = objectBody(body, SINCE);
  const from = b.from;
  const limit = b.limit ?? MAX_LEDGER_PAGE;
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 1)
    throw new PeerTreeError('BAD_INPUT', `${SINCE}: from must be ≥ 1`);
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LEDGER_PAGE)
    throw new PeerTreeError('BAD_INPUT', `${SINCE}: limit must be 1–${MAX_LEDGER_PAGE}`);
  return { from, limit };
}

export function readAsset(body: unknown): string {
  const asset = objectBody(body, HISTORY).asset;
  if (typeof asset !== 'string' || !/^[0-9a-f]{64}$/.test(asset))
    throw new PeerTreeError('BAD_INPUT', `${HISTORY}: asset must be 64 hex chars`);
  return asset;
}
