// The relay's TreeEnv: node:crypto (synchronous, OpenSSL) for signing and checking membership records,
// and the tree's join policy for the admissions those records carry. Checking history must not depend
// on the clock, so a token's expiry is enforced when a relay is admitted (join-control.ts), not here.
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { fromHex } from '../../core/bytes.ts';
import { isStrongKey, makeTreeEnv, type TreeEnv } from '../../core/tree/index.ts';
import { isOpen, parseJoinToken, tokenSignedText, type JoinPolicy } from './join-control.ts';
import { MAX_CACHED_PUBLIC_KEYS } from '../../core/limits.ts';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function createNodeTreeEnv(
  sign: (bytes: Uint8Array) => Uint8Array,
  policy: JoinPolicy,
  wireTreeId: () => string,
): TreeEnv {
  const keys = new Map<string, KeyObject | null>();
  const publicKeyOf = (raw: Uint8Array): KeyObject | null => {
    const cacheKey = Buffer.from(raw).toString('latin1');
    let key = keys.get(cacheKey);
    if (key === undefined) {
      try {
        key = isStrongKey(raw)
          ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
          : null;
      } catch {
        key = null;
      }
      if (keys.size >= MAX_CACHED_PUBLIC_KEYS) keys.delete(keys.keys().next().value!);
      keys.set(cacheKey, key);
    }
    return key;
  };
  const verify = (publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const key = publicKeyOf(publicKey);
    if (key === null) return false;
    try {
      return nodeVerify(null, bytes, key, signature);
    } catch {
      return false;
    }
  };
  const admits = (id: string, admission: string): boolean => {
    if (isOpen(policy)) return true;
    if (admission === 'allow') return policy.allow.has(id);
    if (admission === '' || policy.operatorKey === null) return false;
    try {
      const t = parseJoinToken(admission);
      if (t.id !== id || (t.tree !== '' && t.tree !== wireTreeId())) return false;
      return verify(policy.operatorKey, tokenSignedText(t), fromHex(t.sig));
    } catch {
      return false;
    }
  };
  return makeTreeEnv(null, {
    sign,
    verify,
    sha256: (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()),
    admits,
  });
}
