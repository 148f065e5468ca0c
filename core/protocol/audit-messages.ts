// Message types of storage audits and checks of their untrusted bodies (core/storage/audit.ts has the proof).
import { objectBody } from './object-body.ts';
import { PeerTreeError } from '../errors.ts';
import { AUDIT_NONCE_BYTES, MAX_PINS_PER_MESSAGE } from '../limits.ts';
import { isShardHash } from '../storage/capability.ts';
import type { Message } from '../wire/index.ts';

/** member → holder: prove you hold shard `hash` now → PROOF { hash, proof, owners } (or NOT_FOUND). */
export const AUDIT = 'shard.audit';
export const PROOF = 'shard.proof';

const NONCE_HEX = new RegExp(`^[0-9a-f]{${AUDIT_NONCE_BYTES * 2}}$`);
const OWNER_HEX = /^[0-9a-f]{64}$/;

export function readAudit(m: Message): { hash: string; nonce: string } {
  const b = objectBody(m.body, m.type);
  if (!isShardHash(b.hash)) throw new PeerTreeError('BAD_INPUT', `${AUDIT}: hash must be 64 lowercase hex chars`);
  if (typeof b.nonce !== 'string' || !NONCE_HEX.test(b.nonce))
    throw new PeerTreeError('BAD_INPUT', `${AUDIT}: nonce must be ${AUDIT_NONCE_BYTES * 2} lowercase hex chars`);
  return { hash: b.hash, nonce: b.nonce };
}

/** The audited relay's answer; null when it is not a well-formed proof of `hash`. */
export function readProof(m: Message, hash: string): { proof: string; owners: string[] } | null {
  const b = objectBody(m.body, m.type);
  if (b.hash !== hash || typeof b.proof !== 'string' || !/^[0-9a-f]{64}$/.test(b.proof)) return null;
  const owners = Array.isArray(b.owners)
    ? b.owners.slice(0, MAX_PINS_PER_MESSAGE).filter((o): o is string => typeof o === 'string' && OWNER_HEX.test(o))
    : [];
  return { proof: b.proof, owners };
}
