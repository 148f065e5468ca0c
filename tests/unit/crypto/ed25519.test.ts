import { describe, expect, it } from 'vitest';
import { createWebCryptoEd25519, ed25519Backend, nobleEd25519 } from '../../../core/crypto/ed25519.ts';
import { fromHex, toHex } from '../../../core/bytes.ts';
import { RFC8032 } from './rfc8032-vectors.ts';

const webcrypto = createWebCryptoEd25519(globalThis.crypto.subtle);
const backends = [nobleEd25519, webcrypto];

describe('Ed25519 backends', () => {
  for (const backend of backends) {
    for (const [i, v] of RFC8032.entries()) {
      it(`${backend.name} reproduces RFC 8032 test ${i + 1} exactly`, async () => {
        const seed = fromHex(v.seed);
        expect(toHex(await backend.publicKeyFromSeed(seed))).toBe(v.publicKey);
        expect(toHex(await backend.sign({ kind: 'seed', seed }, fromHex(v.message)))).toBe(v.signature);
        expect(await backend.verify(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(true);
      });
    }
  }

  it('each backend accepts the other one’s signatures on random messages', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
      const message = globalThis.crypto.getRandomValues(new Uint8Array(i * 37));
      const publicKey = await nobleEd25519.publicKeyFromSeed(seed);
      const byNoble = await nobleEd25519.sign({ kind: 'seed', seed }, message);
      const byWeb = await webcrypto.sign({ kind: 'seed', seed }, message);
      expect(toHex(byWeb)).toBe(toHex(byNoble));
      expect(await webcrypto.verify(publicKey, message, byNoble)).toBe(true);
      expect(await nobleEd25519.verify(publicKey, message, byWeb)).toBe(true);
    }
  });

  for (const backend of backends) {
    it(`${backend.name} returns false, never throws, for a flipped bit, a wrong key or bad lengths`, async () => {
      const v = RFC8032[2]!;
      const sig = fromHex(v.signature);
      sig[5]! ^= 1;
      expect(await backend.verify(fromHex(v.publicKey), fromHex(v.message), sig)).toBe(false);
      expect(await backend.verify(fromHex(RFC8032[0]!.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(
        false,
      );
      expect(await backend.verify(new Uint8Array(31), fromHex(v.message), fromHex(v.signature))).toBe(false);
      expect(await backend.verify(fromHex(v.publicKey), fromHex(v.message), new Uint8Array(63))).toBe(false);
      expect(await backend.verify(new Uint8Array(32).fill(0xff), new Uint8Array(0), new Uint8Array(64))).toBe(false);
    });
  }

  it('picks WebCrypto on Node 20, which has Ed25519', async () => {
    expect((await ed25519Backend()).name).toBe('webcrypto');
  });
});
