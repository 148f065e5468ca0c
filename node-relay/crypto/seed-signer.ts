// A synchronous Ed25519 signer (node:crypto) for a 32-byte seed: the tree machine signs its membership
// records inside a pure step, so it cannot wait for the asynchronous identity.sign.
import { createPrivateKey, sign as nodeSign } from 'node:crypto';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Signs with the key of `seed`; the seed bytes are not kept (the caller may zero them). */
export function seedSigner(seed: Uint8Array): (bytes: Uint8Array) => Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return (bytes) => new Uint8Array(nodeSign(null, bytes, key));
}
