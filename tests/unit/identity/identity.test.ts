import { describe, expect, it } from 'vitest';
import {
  generateBrowserIdentity,
  generateIdentity,
  identityFromSeed,
  verifySignature,
} from '../../../core/identity/identity.ts';
import { nobleEd25519 } from '../../../core/crypto/ed25519.ts';
import { fromHex, toHex, utf8 } from '../../../core/bytes.ts';
import { isNodeId } from '../../../core/identity/node-id.ts';

describe('identity', () => {
  it('rebuilds the same key pair and id from a stored seed', async () => {
    const { identity, seed } = await generateIdentity();
    const again = await identityFromSeed(seed);
    expect(toHex(again.publicKey)).toBe(toHex(identity.publicKey));
    expect(again.id).toBe(identity.id);
    expect(isNodeId(identity.id)).toBe(true);
  });

  it('signs so that anyone with the public key can verify, and nobody else’s key verifies', async () => {
    const a = (await generateIdentity()).identity;
    const b = (await generateIdentity()).identity;
    const message = utf8('store this');
    const signature = await a.sign(message);
    expect(await verifySignature(a.publicKey, message, signature)).toBe(true);
    expect(await verifySignature(b.publicKey, message, signature)).toBe(false);
    expect(await verifySignature(a.publicKey, utf8('store that'), signature)).toBe(false);
  });

  it('with the noble backend gives the same signature as with WebCrypto', async () => {
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const viaNoble = await identityFromSeed(seed, nobleEd25519);
    const viaDefault = await identityFromSeed(seed);
    const message = utf8('same bytes');
    expect(toHex(await viaNoble.sign(message))).toBe(toHex(await viaDefault.sign(message)));
  });

  it('makes a non-extractable browser-style key whose signatures verify', async () => {
    const { identity, privateKey } = await generateBrowserIdentity();
    expect(privateKey.extractable).toBe(false);
    const message = utf8('hello');
    expect(await verifySignature(identity.publicKey, message, await identity.sign(message))).toBe(true);
    await expect(globalThis.crypto.subtle.exportKey('pkcs8', privateKey as CryptoKey)).rejects.toThrow();
  });

  it('refuses a seed of the wrong length', async () => {
    await expect(identityFromSeed(new Uint8Array(31))).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('verifySignature answers false for values that are not bytes', async () => {
    expect(await verifySignature('x' as unknown as Uint8Array, new Uint8Array(0), new Uint8Array(64))).toBe(false);
  });
});
