// The runtime globals core/ relies on, typed here so that core compiles with neither DOM nor Node types:
// WebCrypto, UTF-8 codecs and base64, all present in Node 20 and every current browser. No other module
// of core/ may name a runtime global (lint: no-restricted-globals); time and randomness for protocol
// logic come in through the components, never from here (only key and nonce generation use this rng).

/** An opaque WebCrypto key (a CryptoKey): core only hands it back to the same runtime's subtle. */
export interface WebKey {
  readonly type: string;
  readonly extractable: boolean;
}

export interface WebKeyPair {
  readonly publicKey: WebKey;
  readonly privateKey: WebKey;
}

type Algorithm = string | { readonly name: string };
type Bytes = Uint8Array<ArrayBuffer>;
/** AES-GCM parameters (the only cipher core uses). */
export interface AesGcmParams {
  readonly name: 'AES-GCM';
  readonly iv: Bytes;
  readonly additionalData?: Bytes;
  readonly tagLength?: number;
}

/** The part of SubtleCrypto core uses; the same shape in browsers and in Node 20. */
export interface Subtle {
  digest(algorithm: Algorithm, data: Bytes): Promise<ArrayBuffer>;
  importKey(
    format: 'raw' | 'pkcs8',
    keyData: Bytes,
    algorithm: Algorithm,
    extractable: boolean,
    usages: string[],
  ): Promise<WebKey>;
  exportKey(format: 'raw', key: WebKey): Promise<ArrayBuffer>;
  exportKey(format: 'jwk', key: WebKey): Promise<{ readonly x?: string }>;
  generateKey(algorithm: Algorithm, extractable: boolean, usages: string[]): Promise<WebKeyPair | WebKey>;
  sign(algorithm: Algorithm, key: WebKey, data: Bytes): Promise<ArrayBuffer>;
  verify(algorithm: Algorithm, key: WebKey, signature: Bytes, data: Bytes): Promise<boolean>;
  encrypt(algorithm: AesGcmParams, key: WebKey, data: Bytes): Promise<ArrayBuffer>;
  decrypt(algorithm: AesGcmParams, key: WebKey, data: Bytes): Promise<ArrayBuffer>;
}

interface RuntimeGlobals {
  readonly crypto?: { readonly subtle?: Subtle; getRandomValues?(array: Uint8Array): Uint8Array };
  readonly TextEncoder: new () => { encode(text: string): Uint8Array };
  readonly TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
  atob(data: string): string;
  btoa(data: string): string;
}

const g = globalThis as unknown as RuntimeGlobals;

/** The runtime's WebCrypto subtle, or null where there is none (plain HTTP pages, old runtimes). */
export function runtimeSubtle(): Subtle | null {
  return g.crypto?.subtle ?? null;
}

/** Fills `out` from the runtime's secure random source (at most 65,536 bytes a call); throws without one. */
export function fillRandom(out: Uint8Array): void {
  const c = g.crypto;
  if (c?.getRandomValues === undefined) throw new Error('no secure random source in this runtime');
  c.getRandomValues(out);
}

export function newTextEncoder(): { encode(text: string): Uint8Array } {
  return new g.TextEncoder();
}

/** A decoder that throws on malformed UTF-8. */
export function newStrictTextDecoder(): { decode(bytes: Uint8Array): string } {
  return new g.TextDecoder('utf-8', { fatal: true });
}

/** Base64 of a binary string (each char one byte). */
export function binaryToBase64(bin: string): string {
  return g.btoa(bin);
}

/** A binary string from base64; throws on bad input. */
export function base64ToBinary(b64: string): string {
  return g.atob(b64);
}
