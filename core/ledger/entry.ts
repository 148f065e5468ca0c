// Signed ledger claims made by relays: a sequenced entry (signed by the root that sequenced it), a relay's
// statement of its own chain head, and the uploader's pin that a first registration must carry.
//
// Entry bytes (fixed layout, no JSON), signed by the sequencer:
//   "peertree/ledger-entry/v1" 0x00 ‖ u64be seq ‖ record id (32) ‖ chain (32) ‖ sequencer key (32)
//   ‖ proof flag (1) ‖ u64be proof ts ‖ proof sig (64)   (flag 0 and zeros when the entry has no proof)
// Head bytes, signed by the relay whose head it is:
//   "peertree/ledger-head/v1" 0x00 ‖ relay key (32) ‖ u64be seq ‖ chain (32) ‖ u64be ts
// A proof is the author's own pin statement on the asset's manifest shard (peertree/pin/v1, op pin), as the
// shard's holder keeps it: only the key that pinned the manifest can register the asset first.
import { concatBytes, fromHex, toHex, utf8, u64be } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';
import { verifySignature, type Identity } from '../identity/identity.ts';
import { nodeIdOf } from '../identity/node-id.ts';
import { pinBytes } from '../storage/pin.ts';

export const ENTRY_TAG = utf8('peertree/ledger-entry/v1\u0000');
export const HEAD_TAG = utf8('peertree/ledger-head/v1\u0000');
const HEX32 = /^[0-9a-f]{64}$/;
const HEX64 = /^[0-9a-f]{128}$/;

/** The author's signed pin of the asset's manifest shard (owner = the record's author, hash = the asset). */
export interface PinProof {
  readonly ts: number;
  readonly sig: string;
}

/** What the sequencer signs, besides the record itself (which its author signed). */
export interface EntryClaim {
  readonly seq: number;
  readonly id: string;
  readonly chain: string;
  readonly proof: PinProof | null;
}

/** A relay's signed statement: "my copy of the ledger ends at seq with this chain hash". */
export interface LedgerHead {
  readonly seq: number;
  readonly chain: string;
  /** Public key (64 hex) of the relay. */
  readonly by: string;
  readonly ts: number;
  readonly sig: string;
}

export function entryBytes(claim: EntryClaim, by: Uint8Array): Uint8Array {
  const proof = new Uint8Array(1 + 8 + 64);
  if (claim.proof !== null) {
    proof[0] = 1;
    proof.set(u64be(claim.proof.ts), 1);
    proof.set(fromHex(claim.proof.sig), 9);
  }
  return concatBytes(ENTRY_TAG, u64be(claim.seq), fromHex(claim.id), fromHex(claim.chain), by, proof);
}

/** The sequencer's signature (hex) over an entry. */
export async function signEntry(sequencer: Identity, claim: EntryClaim): Promise<{ by: string; sig: string }> {
  return { by: toHex(sequencer.publicKey), sig: toHex(await sequencer.sign(entryBytes(claim, sequencer.publicKey))) };
}

/** True when `sig` is `by`'s signature over the entry; never throws. */
export async function entrySignedBy(claim: EntryClaim, by: string, sig: string): Promise<boolean> {
  try {
    return await verifySignature(fromHex(by), entryBytes(claim, fromHex(by)), fromHex(sig));
  } catch {
    return false;
  }
}

/** The node id of a 64-hex public key (the sequencer or the relay of a head). */
export function nodeIdOfKey(key: string): string {
  return nodeIdOf(fromHex(key));
}

export function headBytes(by: Uint8Array, seq: number, chain: string, ts: number): Uint8Array {
  return concatBytes(HEAD_TAG, by, u64be(seq), fromHex(chain), u64be(ts));
}

export async function signHead(relay: Identity, seq: number, chain: string, ts: number): Promise<LedgerHead> {
  return {
    seq,
    chain,
    by: toHex(relay.publicKey),
    ts,
    sig: toHex(await relay.sign(headBytes(relay.publicKey, seq, chain, ts))),
  };
}

export async function verifyHead(h: LedgerHead): Promise<boolean> {
  try {
    return await verifySignature(fromHex(h.by), headBytes(fromHex(h.by), h.seq, h.chain, h.ts), fromHex(h.sig));
  } catch {
    return false;
  }
}

function safeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads an untrusted value as a head statement (shape only); throws BAD_INPUT. */
export function readHead(value: unknown): LedgerHead {
  const h = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (
    !safeInt(h.seq) ||
    typeof h.chain !== 'string' ||
    !HEX32.test(h.chain) ||
    typeof h.by !== 'string' ||
    !HEX32.test(h.by) ||
    !safeInt(h.ts) ||
    typeof h.sig !== 'string' ||
    !HEX64.test(h.sig)
  ) {
    throw new PeerTreeError('BAD_INPUT', 'ledger head: malformed');
  }
  return { seq: h.seq, chain: h.chain, by: h.by, ts: h.ts, sig: h.sig };
}

/** Reads an untrusted value as a pin proof or null (shape only); throws BAD_INPUT. */
export function readProof(value: unknown): PinProof | null {
  if (value === null || value === undefined) return null;
  const p = (typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (!safeInt(p.ts) || typeof p.sig !== 'string' || !HEX64.test(p.sig))
    throw new PeerTreeError('BAD_INPUT', 'ledger entry: proof');
  return { ts: p.ts, sig: p.sig };
}

/** True when `proof` is `author`'s signed pin of `asset` (the manifest shard); never throws. */
export async function proofHolds(asset: string, author: string, proof: PinProof | null): Promise<boolean> {
  if (proof === null) return false;
  try {
    return await verifySignature(
      fromHex(author),
      pinBytes('pin', asset, fromHex(author), proof.ts),
      fromHex(proof.sig),
    );
  } catch {
    return false;
  }
}
