// The device-link layer: both sides derive the same key and code, a swapped key gives other codes, a changed
// secret is refused, and the byte layouts are pinned by vectors.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { toHex } from '../../../core/bytes.ts';
import {
  LINK_SEALED_BYTES,
  LINK_SECRET_BYTES,
  decodeLinkSecret,
  deriveLinkSession,
  encodeLinkSecret,
  linkKeyPair,
  linkOfferText,
  openLinkSecret,
  pkcs8FromSeed,
  readLinkOffer,
  sealLinkSecret,
  seedFromPkcs8,
} from '../../../core/identity/device-link.ts';

const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
const box = filled(32, 7);
const a = linkKeyPair(filled(32, 1));
const b = linkKeyPair(filled(32, 2));
const m = linkKeyPair(filled(32, 3));
const seed = filled(32, 9);
const secret = { owner: ed25519.getPublicKey(seed), seed, libraryKey: filled(32, 5) };

describe('linking a device', () => {
  it('gives both devices the same key and the same 6-digit code', () => {
    const onA = deriveLinkSession('offerer', a, b.publicKey, box);
    const onB = deriveLinkSession('joiner', b, a.publicKey, box);
    expect(toHex(onA.key)).toBe(toHex(onB.key));
    expect(onA.code).toBe(onB.code);
    expect(onA.code).toMatch(/^[0-9]{6}$/);
  });

  it('shows different codes when a relay swaps in its own key', () => {
    // The relay (m) answers A in place of B; B still talks with A's real key from the link.
    const onA = deriveLinkSession('offerer', a, m.publicKey, box);
    const onB = deriveLinkSession('joiner', b, a.publicKey, box);
    expect(onA.code).not.toBe(onB.code);
    expect(toHex(onA.key)).not.toBe(toHex(onB.key));
  });

  it('binds the code to the box id', () => {
    const other = deriveLinkSession('offerer', a, b.publicKey, filled(32, 8));
    expect(other.code).not.toBe(deriveLinkSession('offerer', a, b.publicKey, box).code);
  });

  it('refuses a low-order public key', () => {
    expect(() => deriveLinkSession('offerer', a, new Uint8Array(32), box)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });

  it('opens the sealed secret on the joining device only', async () => {
    const onA = deriveLinkSession('offerer', a, b.publicKey, box);
    const sealed = await sealLinkSecret(onA, secret, filled(12, 4));
    expect(sealed.length).toBe(LINK_SEALED_BYTES);
    const opened = await openLinkSecret(deriveLinkSession('joiner', b, a.publicKey, box), sealed);
    expect(toHex(opened.owner)).toBe(toHex(secret.owner));
    expect(toHex(opened.seed)).toBe(toHex(seed));
    expect(toHex(opened.libraryKey)).toBe(toHex(secret.libraryKey));
    await expect(openLinkSecret(deriveLinkSession('offerer', m, b.publicKey, box), sealed)).rejects.toMatchObject({
      code: 'HASH_MISMATCH',
    });
  });

  it('refuses a changed ciphertext', async () => {
    const onA = deriveLinkSession('offerer', a, b.publicKey, box);
    const sealed = await sealLinkSecret(onA, secret, filled(12, 4));
    for (const i of [0, 20, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      await expect(openLinkSecret(onA, bad)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    }
    await expect(openLinkSecret(onA, sealed.subarray(1))).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('refuses a secret whose signing key is not its public key', () => {
    expect(() => decodeLinkSecret(encodeLinkSecret({ ...secret, owner: filled(32, 1) }))).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });

  it('keeps the byte layouts of the vectors', async () => {
    const onA = deriveLinkSession('offerer', a, b.publicKey, box);
    expect(toHex(onA.transcript)).toBe(toHex(box) + toHex(a.publicKey) + toHex(b.publicKey));
    const plain = encodeLinkSecret(secret);
    expect(plain.length).toBe(LINK_SECRET_BYTES);
    expect(new TextDecoder().decode(plain.subarray(0, 24))).toBe('peertree/link-secret/v1\u0000');
    expect(toHex(plain.subarray(24))).toBe(toHex(secret.owner) + toHex(seed) + toHex(secret.libraryKey));
    expect({ a: toHex(a.publicKey), code: onA.code, key: toHex(onA.key) }).toMatchSnapshot();
    expect(toHex(await sealLinkSecret(onA, secret, filled(12, 4)))).toMatchSnapshot();
  });

  it('reads back the link text and round-trips PKCS#8', () => {
    const text = linkOfferText({ box, publicKey: a.publicKey });
    expect(toHex(readLinkOffer(text).publicKey)).toBe(toHex(a.publicKey));
    expect(() => readLinkOffer('nope')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(toHex(seedFromPkcs8(pkcs8FromSeed(seed)))).toBe(toHex(seed));
  });
});
