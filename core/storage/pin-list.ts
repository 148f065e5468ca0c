// The owner's signed request to see its own pins on a relay ("what does my key pin here?").
//
// Signed bytes (fixed layout, PIN_LIST_BYTES = 61 bytes; never JSON):
//   "peertree/pin-list/v1" 0x00 (21) ‖ owner public key (32) ‖ u64be ts (8)
// Its own domain tag, so no pin, release or frame signature can be taken for it (nor it for them). A relay answers
// only the owner itself (the key that signed the frame that carries it) and only while `ts` is within
// LIST_STATEMENT_MAX_SKEW_MS of its clock: what a key pins is that key's business, and a statement seen once is
// of no use to anyone else, nor for long.
import { concatBytes, fromHex, toHex, utf8, u64be } from '../bytes.ts';
import type { Identity } from '../identity/identity.ts';
import { verifySignature } from '../identity/identity.ts';

export const PIN_LIST_TAG = utf8('peertree/pin-list/v1\u0000');
/** Length of the signed list statement. */
export const PIN_LIST_BYTES = PIN_LIST_TAG.length + 32 + 8;

export interface PinListStatement {
  /** Owner's Ed25519 public key, 64 hex chars. */
  readonly owner: string;
  /** Owner's clock, ms since the Unix epoch. */
  readonly ts: number;
  /** Ed25519 signature, 128 hex chars. */
  readonly sig: string;
}

export function pinListBytes(owner: Uint8Array, ts: number): Uint8Array {
  return concatBytes(PIN_LIST_TAG, owner, u64be(ts));
}

export async function signPinList(identity: Identity, ts: number): Promise<PinListStatement> {
  const sig = await identity.sign(pinListBytes(identity.publicKey, ts));
  return { owner: toHex(identity.publicKey), ts, sig: toHex(sig) };
}

/** Reads an untrusted value as a list statement (shape only); null when malformed. */
export function readPinList(value: unknown): PinListStatement | null {
  if (typeof value !== 'object' || value === null) return null;
  const p = value as Record<string, unknown>;
  if (typeof p.owner !== 'string' || !/^[0-9a-f]{64}$/.test(p.owner)) return null;
  if (typeof p.ts !== 'number' || !Number.isSafeInteger(p.ts) || p.ts < 0) return null;
  if (typeof p.sig !== 'string' || !/^[0-9a-f]{128}$/.test(p.sig)) return null;
  return { owner: p.owner, ts: p.ts, sig: p.sig };
}

/** True only when the signature holds for the owner it names. */
export async function verifyPinList(p: PinListStatement): Promise<boolean> {
  return verifySignature(fromHex(p.owner), pinListBytes(fromHex(p.owner), p.ts), fromHex(p.sig));
}
