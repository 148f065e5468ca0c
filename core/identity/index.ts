// Identities: Ed25519 keys and the node ids derived from them (re-exports of what is used).
export { generateIdentity, type Identity, identityFromSeed, SEED_BYTES, verifySignature } from './identity.ts';
export { nodeIdOf } from './node-id.ts';
