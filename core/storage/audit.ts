// Storage audits: proof that a relay holds a shard's bytes now.
//
// The challenger sends a fresh random nonce; the holder answers
//   proof = SHA-256("peertree/audit/v1" 0x00 ‖ nonce ‖ UTF-8(holder id) ‖ shard bytes)
// which it can only compute with every byte of the shard at hand. The challenger is always a holder of the
// shard itself (only holders act on a shard's holder set: they repair from their own copy), so it computes the
// same value from its own verified copy and compares. Binding the holder's id means a relay that keeps nothing
// cannot pass an audit by asking another holder to answer it (that holder would bind its own id); it would have
// to fetch the whole shard for every audit, which costs what keeping it saves. The reply frame is signed by the
// holder's key, so a passed audit is the holder's own signed statement that it held the bytes.
import { concatBytes, toHex, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';

export const AUDIT_TAG = utf8('peertree/audit/v1\u0000');

/** The answer `holderId` owes to an audit of `bytes` with `nonce` (64 lowercase hex chars). */
export async function auditProof(nonce: Uint8Array, holderId: string, bytes: Uint8Array): Promise<string> {
  return toHex(await sha256(concatBytes(AUDIT_TAG, nonce, utf8(holderId), bytes)));
}
