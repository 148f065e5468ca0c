import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../../core/bytes.ts';
import { sha256Sync } from '../../../core/crypto/sha256.ts';
import { nodeIdOf } from '../../../core/identity/node-id.ts';
import { makeTreeEnv, publicKeyHexOf, VERIFY_ONLY_ENV } from '../../../core/tree/tree-env.ts';

const seed = sha256Sync(utf8('tree-env-test'));
const key = fromHex(publicKeyHexOf(seed));
const msg = utf8('peertree');

describe('the tree env', () => {
  it('signs deterministically with its seed, and verifies under the matching public key only', () => {
    const env = makeTreeEnv(seed);
    const sig = env.sign(msg);
    expect(sig).toHaveLength(64);
    expect(toHex(env.sign(msg))).toBe(toHex(sig));
    expect(env.verify(key, msg, sig)).toBe(true);
    expect(env.verify(key, utf8('peertreE'), sig)).toBe(false);
    expect(env.verify(fromHex(publicKeyHexOf(sha256Sync(utf8('other')))), msg, sig)).toBe(false);
  });

  it('never throws in verify: wrong lengths and garbage just do not verify', () => {
    const sig = makeTreeEnv(seed).sign(msg);
    expect(VERIFY_ONLY_ENV.verify(key.slice(1), msg, sig)).toBe(false);
    expect(VERIFY_ONLY_ENV.verify(key, msg, sig.slice(1))).toBe(false);
    expect(VERIFY_ONLY_ENV.verify(new Uint8Array(32).fill(0xff), msg, new Uint8Array(64).fill(0xff))).toBe(false);
  });

  // Fails: the default verifier is noble's ed25519.verify with its default zip215 (cofactored) rules, which
  // accept R = 0…0, S = 0 under the all-zero (small-order) public key for every message. A member whose ref
  // carries such a key (its node id is derived from it like any other) can be spoken for by anyone: its
  // records and suspicions are forgeable. Strict verification ({ zip215: false }) rejects it.
  it('refuses the universal signature of a small-order public key', () => {
    const zeroKey = new Uint8Array(32);
    const zeroSig = new Uint8Array(64);
    for (const text of ['a', 'b', 'any record at all'])
      expect(VERIFY_ONLY_ENV.verify(zeroKey, utf8(text), zeroSig)).toBe(false);
  });

  it('cannot sign without a seed', () => {
    expect(() => VERIFY_ONLY_ENV.sign(msg)).toThrow(/no signing key/);
  });

  it('keeps its own copy of the seed', () => {
    const mine = seed.slice();
    const env = makeTreeEnv(mine);
    const before = toHex(env.sign(msg));
    mine.fill(0);
    expect(toHex(env.sign(msg))).toBe(before);
  });

  it('names keys by node id, hashes with SHA-256 and admits everyone by default', () => {
    expect(VERIFY_ONLY_ENV.idOf(key)).toBe(nodeIdOf(key));
    expect(toHex(VERIFY_ONLY_ENV.sha256(msg))).toBe(toHex(sha256Sync(msg)));
    expect(VERIFY_ONLY_ENV.admits('anyone', '', 't')).toBe(true);
  });

  it('takes the parts a shell passes instead of the defaults', () => {
    const env = makeTreeEnv(null, {
      idOf: () => 'named',
      admits: (_id, adm) => adm === 'allow',
      sign: () => new Uint8Array(64).fill(7),
    });
    expect(env.idOf(key)).toBe('named');
    expect(env.admits('x', '', 't')).toBe(false);
    expect(env.admits('x', 'allow', 't')).toBe(true);
    expect(env.sign(msg)[0]).toBe(7);
  });
});
