import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/bytes.ts';
import {
  createWebCryptoEd25519,
  ed25519Backend,
  installEd25519Backend,
  nobleEd25519,
  type Ed25519Backend,
} from '../../../core/crypto/ed25519.ts';
import { generateBrowserIdentity, generateIdentity, verifySignature } from '../../../core/identity/identity.ts';
import { createNodeEd25519 } from '../../../node-relay/crypto/node-ed25519.ts';
import vectorsFile from '../../../core/wire/wire-vectors.json' with { type: 'json' };
import { checkWireVectors, type WireVector } from '../../../core/wire/check-vectors.ts';
import { RFC8032 } from '../crypto/rfc8032-vectors.ts';

const node = createNodeEd25519();
const webcrypto = createWebCryptoEd25519(globalThis.crypto.subtle);

function random(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

describe('the node:crypto Ed25519 backend', () => {
  for (const [i, v] of RFC8032.entries()) {
    it(`reproduces RFC 8032 test ${i + 1} exactly`, async () => {
      const seed = fromHex(v.seed);
      expect(toHex(await node.publicKeyFromSeed(seed))).toBe(v.publicKey);
      expect(toHex(await node.sign({ kind: 'seed', seed }, fromHex(v.message)))).toBe(v.signature);
      expect(await node.verify(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(true);
    });
  }

  it('makes the same signatures as WebCrypto and @noble, and each accepts the others’', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = random(32);
      const message = random(i * 37);
      const publicKey = await nobleEd25519.publicKeyFromSeed(seed);
      expect(toHex(await node.publicKeyFromSeed(seed))).toBe(toHex(publicKey));
      const byNode = await node.sign({ kind: 'seed', seed }, message);
      expect(toHex(byNode)).toBe(toHex(await nobleEd25519.sign({ kind: 'seed', seed }, message)));
      expect(toHex(byNode)).toBe(toHex(await webcrypto.sign({ kind: 'seed', seed }, message)));
      expect(await webcrypto.verify(publicKey, message, byNode)).toBe(true);
      expect(await nobleEd25519.verify(publicKey, message, byNode)).toBe(true);
      expect(await node.verify(publicKey, message, byNode)).toBe(true);
    }
  });

  it('returns false, never throws, for a flipped bit, a wrong key, bad lengths or bytes that are no key', async () => {
    const v = RFC8032[2]!;
    const sig = fromHex(v.signature);
    sig[5]! ^= 1;
    expect(await node.verify(fromHex(v.publicKey), fromHex(v.message), sig)).toBe(false);
    expect(await node.verify(fromHex(RFC8032[0]!.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(false);
    expect(await node.verify(new Uint8Array(31), fromHex(v.message), fromHex(v.signature))).toBe(false);
    expect(await node.verify(fromHex(v.publicKey), fromHex(v.message), new Uint8Array(63))).toBe(false);
    expect(await node.verify(new Uint8Array(32).fill(0xff), new Uint8Array(0), new Uint8Array(64))).toBe(false);
  });

  it('accepts exactly what WebCrypto accepts on hostile keys and signatures', async () => {
    const v = RFC8032[1]!;
    const message = fromHex(v.message);
    const good = fromHex(v.signature);
    const highS = good.slice();
    highS[63] = 0xff; // S ≥ L: not canonical
    const keys = [
      fromHex(v.publicKey),
      new Uint8Array(32),
      Uint8Array.of(1, ...new Uint8Array(31)),
      new Uint8Array(32).fill(0xff),
      random(32),
    ];
    const signatures = [good, highS, new Uint8Array(64), random(64)];
    for (const key of keys) {
      for (const signature of signatures) {
        expect(await node.verify(key, message, signature), `${toHex(key)} ${toHex(signature)}`).toBe(
          await webcrypto.verify(key, message, signature),
        );
      }
    }
  });

  it('signs with a browser-style non-extractable WebCrypto key', async () => {
    const { privateKey, publicKey } = await generateBrowserIdentity();
    const message = random(100);
    const signature = await node.sign({ kind: 'cryptokey', key: privateKey }, message);
    expect(await nobleEd25519.verify(publicKey, message, signature)).toBe(true);
  });
});

describe('installing an Ed25519 backend', () => {
  it('refuses a backend whose signatures differ from @noble’s, and keeps the previous one', async () => {
    const before = await ed25519Backend();
    const wrong: Ed25519Backend = {
      ...node,
      name: 'wrong',
      sign: async (key, message) => node.sign(key, Uint8Array.of(...message, 0)),
    };
    await expect(installEd25519Backend(wrong)).rejects.toThrow(/disagrees/);
    const lenient: Ed25519Backend = { ...node, name: 'lenient', verify: async () => true };
    await expect(installEd25519Backend(lenient)).rejects.toThrow(/disagrees/);
    expect(await ed25519Backend()).toBe(before);
  });

  it('makes identities made afterwards sign with it, and the wire vectors still encode and verify exactly', async () => {
    await installEd25519Backend(node);
    expect((await ed25519Backend()).name).toBe('node');
    const { identity } = await generateIdentity();
    const message = random(64);
    expect(await nobleEd25519.verify(identity.publicKey, message, await identity.sign(message))).toBe(true);
    expect(
      await verifySignature(
        identity.publicKey,
        message,
        await webcrypto.sign({ kind: 'seed', seed: random(32) }, message),
      ),
    ).toBe(false);
    const results = await checkWireVectors(vectorsFile.vectors as WireVector[]);
    expect(results).toHaveLength(3);
    for (const r of results)
      expect(r, r.name).toEqual({ name: r.name, encodes: true, verifies: true, rejectsTampered: true });
  });
});
