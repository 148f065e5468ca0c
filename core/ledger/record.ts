// Ledger records: signed statements about an asset (register, transfer, annotate), each naming the previous
// record of the same asset, so every asset has a hash-chained history.
//
// Signed bytes (fixed layout, no JSON):
//   "peertree/ledger/v1" 0x00 ‖ kind (1: 1 register, 2 transfer, 3 annotate) ‖ asset (32) ‖ author key (32)
//   ‖ prev flag (1) ‖ prev (32, zeros when absent) ‖ to flag (1) ‖ to key (32, zeros when absent) ‖ u64be ts
//   ‖ u32be note length ‖ note (UTF-8)
// The record id is SHA-256 of those bytes.
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import { PeerTreeError } from '../errors.ts';
import { verifySignature, type Identity } from '../identity/identity.ts';
import { MAX_LEDGER_NOTE_LENGTH } from '../limits.ts';

export const LEDGER_TAG = utf8('peertree/ledger/v1\u0000');
export type RecordKind = 'register' | 'transfer' | 'annotate';
const KIND_BYTE: Record<RecordKind, number> = { register: 1, transfer: 2, annotate: 3 };
const HEX32 = /^[0-9a-f]{64}$/;

export interface RecordContent {
  readonly kind: RecordKind;
  /** The asset: the manifest hash of its capability (64 hex). */
  readonly asset: string;
  /** Id of the previous record of this asset; null only for register. */
  readonly prev: string | null;
  /** New owner's public key (64 hex) for a transfer; null otherwise. */
  readonly to: string | null;
  /** Free text for annotate (and optional on the others); "" when none. */
  readonly note: string;
}

export interface LedgerRecord extends RecordContent {
  readonly v: 1;
  readonly author: string;
  readonly ts: number;
  readonly sig: string;
}

function optional32(hex: string | null): Uint8Array {
  const out = new Uint8Array(33);
  if (hex !== null) {
    out[0] = 1;
    out.set(fromHex(hex), 1);
  }
  return out;
}

export function recordBytes(author: Uint8Array, ts: number, c: RecordContent): Uint8Array {
  const note = utf8(c.note);
  const tail = new Uint8Array(12);
  const view = new DataView(tail.buffer);
  view.setBigUint64(0, BigInt(ts), false);
  view.setUint32(8, note.length, false);
  return concatBytes(
    LEDGER_TAG,
    Uint8Array.of(KIND_BYTE[c.kind]),
    fromHex(c.asset),
    author,
    optional32(c.prev),
    optional32(c.to),
    tail,
    note,
  );
}

function bad(what: string): never {
  throw new PeerTreeError('BAD_INPUT', `ledger record: ${what}`);
}

/** Checks the content's shape (not the chain: that is the ledger state's job). */
export function checkContent(c: RecordContent): RecordContent {
  if (c.kind !== 'register' && c.kind !== 'transfer' && c.kind !== 'annotate') bad('kind');
  if (typeof c.asset !== 'string' || !HEX32.test(c.asset)) bad('asset must be 64 hex chars');
  if (c.kind === 'register' ? c.prev !== null : typeof c.prev !== 'string' || !HEX32.test(c.prev)) bad('prev');
  if (c.kind === 'transfer' ? typeof c.to !== 'string' || !HEX32.test(c.to) : c.to !== null) bad('to');
  if (typeof c.note !== 'string' || c.note.length > MAX_LEDGER_NOTE_LENGTH)
    bad(`note must be at most ${MAX_LEDGER_NOTE_LENGTH} chars`);
  if (c.kind === 'annotate' && c.note.trim() === '') bad('an annotation needs a note');
  return { kind: c.kind, asset: c.asset, prev: c.prev, to: c.to, note: c.note };
}

export async function signRecord(identity: Identity, content: RecordContent, ts: number): Promise<LedgerRecord> {
  const c = checkContent(content);
  const sig = await identity.sign(recordBytes(identity.publicKey, ts, c));
  return { v: 1, ...c, author: toHex(identity.publicKey), ts, sig: toHex(sig) };
}

/** Reads an untrusted value as a record (shape only); throws BAD_INPUT. */
export function readRecord(value: unknown): LedgerRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('not an object');
  const r = value as Record<string, unknown>;
  if (r.v !== 1) bad('version');
  if (typeof r.author !== 'string' || !HEX32.test(r.author)) bad('author');
  if (typeof r.ts !== 'number' || !Number.isSafeInteger(r.ts) || r.ts < 0) bad('ts');
  if (typeof r.sig !== 'string' || !/^[0-9a-f]{128}$/.test(r.sig)) bad('sig');
  const c = checkContent({
    kind: r.kind as RecordKind,
    asset: r.asset as string,
    prev: (r.prev ?? null) as string | null,
    to: (r.to ?? null) as string | null,
    note: r.note as string,
  });
  return { v: 1, ...c, author: r.author, ts: r.ts, sig: r.sig };
}

export async function verifyRecord(r: LedgerRecord): Promise<boolean> {
  return verifySignature(fromHex(r.author), recordBytes(fromHex(r.author), r.ts, r), fromHex(r.sig));
}

export async function recordId(r: LedgerRecord): Promise<string> {
  return toHex(await sha256(recordBytes(fromHex(r.author), r.ts, r)));
}
