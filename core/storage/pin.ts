// Pins: an owner's signed claim on a shard ("keep this for me") and its signed release ("I no longer need it").
//
// Signed bytes (fixed layout, PIN_BYTES = 89 bytes; never JSON):
//   "peertree/pin/v1" 0x00 (16) ‖ op (1: 0x01 pin, 0x02 unpin) ‖ shard hash (32) ‖ owner public key (32) ‖ u64be ts (8)
// The shard hash is the SHA-256 of the shard's bytes, the owner is the key that signs: a pin speaks only for the
// key that signed it, so no relay can pin (or charge a quota) in someone else's name. A relay keeps a shard while
// any pin on it stands and forwards the owners' signed pins with it; an unpin must be signed by the pin's owner and
// be newer than the pin, so an old release cannot be replayed against a later pin (and a relay remembers a
// release, so an old pin cannot be replayed against it either).
import { concatBytes, fromHex, toHex, utf8, u64be } from '../bytes.ts';
import type { Identity } from '../identity/identity.ts';
import { verifySignature } from '../identity/identity.ts';
import { isShardHash } from './capability.ts';

export const PIN_TAG = utf8('peertree/pin/v1\u0000');
/** Length of the signed pin statement. */
export const PIN_BYTES = PIN_TAG.length + 1 + 32 + 32 + 8;
export type PinOp = 'pin' | 'unpin';

export interface PinStatement {
  readonly op: PinOp;
  readonly hash: string;
  /** Owner's Ed25519 public key, 64 hex chars. */
  readonly owner: string;
  /** Owner's clock, ms since the Unix epoch. */
  readonly ts: number;
  /** Ed25519 signature, 128 hex chars. */
  readonly sig: string;
}

export function pinBytes(op: PinOp, hash: string, owner: Uint8Array, ts: number): Uint8Array {
  return concatBytes(PIN_TAG, Uint8Array.of(op === 'pin' ? 1 : 2), fromHex(hash), owner, u64be(ts));
}

export async function signPin(identity: Identity, op: PinOp, hash: string, ts: number): Promise<PinStatement> {
  const sig = await identity.sign(pinBytes(op, hash, identity.publicKey, ts));
  return { op, hash, owner: toHex(identity.publicKey), ts, sig: toHex(sig) };
}

/** Reads an untrusted value as a pin statement (shape only); null when malformed. */
export function readPin(value: unknown): PinStatement | null {
  if (typeof value !== 'object' || value === null) return null;
  const p = value as Record<string, unknown>;
  if (p.op !== 'pin' && p.op !== 'unpin') return null;
  if (!isShardHash(p.hash)) return null;
  if (typeof p.owner !== 'string' || !/^[0-9a-f]{64}$/.test(p.owner)) return null;
  if (typeof p.ts !== 'number' || !Number.isSafeInteger(p.ts) || p.ts < 0) return null;
  if (typeof p.sig !== 'string' || !/^[0-9a-f]{128}$/.test(p.sig)) return null;
  return { op: p.op, hash: p.hash, owner: p.owner, ts: p.ts, sig: p.sig };
}

/** True only for a well-formed statement whose signature holds. */
export async function verifyPin(p: PinStatement): Promise<boolean> {
  return verifySignature(fromHex(p.owner), pinBytes(p.op, p.hash, fromHex(p.owner), p.ts), fromHex(p.sig));
}

/**
 * A pin as kept: `sig` is the owner's signature over the pin statement. Rows written before every pin had to be
 * signed may have `sig` '' (a relay vouched for the owner): they are kept, never forwarded, and yield to any signed
 * pin or release of the owner they name.
 */
export interface PinRecord {
  readonly owner: string;
  readonly ts: number;
  readonly sig: string;
}
