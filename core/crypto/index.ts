export * from './sha256.ts';
export * from './ed25519.ts';
export * from './webcrypto.ts';
export * from './native-crypto.ts';
