// A Bloom filter of words: the compact summary of what a subtree holds, so searches skip subtrees that can't match.
import { fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';

/** 16 Ki bits (2 KiB) and 5 probes: under 1% false positives up to ~1,700 distinct words, ~10% at ~4,000. */
export const BLOOM_BITS = 16384;
export const BLOOM_PROBES = 5;

function fnv1a(bytes: Uint8Array, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche (from murmur3) so that nearby words spread over the whole array.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class WordBloom {
  readonly bits: Uint8Array;

  constructor(bits?: Uint8Array) {
    if (bits && bits.length !== BLOOM_BITS / 8)
      throw new PeerTreeError('BAD_INPUT', `a word summary is ${BLOOM_BITS / 8} bytes`);
    this.bits = bits ? bits.slice() : new Uint8Array(BLOOM_BITS / 8);
  }

  private *positions(word: string): Generator<number> {
    const bytes = utf8(word);
    const a = fnv1a(bytes, 0);
    const b = fnv1a(bytes, 0x9e3779b9) | 1;
    for (let i = 0; i < BLOOM_PROBES; i++) yield ((a + Math.imul(i, b)) >>> 0) & (BLOOM_BITS - 1);
  }

  add(word: string): void {
    for (const p of this.positions(word)) this.bits[p >> 3]! |= 1 << (p & 7);
  }

  /** False means certainly absent; true means probably present. */
  has(word: string): boolean {
    for (const p of this.positions(word)) if ((this.bits[p >> 3]! & (1 << (p & 7))) === 0) return false;
    return true;
  }

  /** Adds every word of `other` (the summary of a subtree is the union of its parts). */
  merge(other: WordBloom): void {
    for (let i = 0; i < this.bits.length; i++) this.bits[i]! |= other.bits[i]!;
  }

  isEmpty(): boolean {
    return this.bits.every((b) => b === 0);
  }

  equals(other: WordBloom): boolean {
    return this.bits.every((b, i) => b === other.bits[i]);
  }

  toText(): string {
    return toBase64Url(this.bits);
  }

  static fromText(text: string): WordBloom {
    return new WordBloom(fromBase64Url(text));
  }
}

/**
 * True when the summary may hold a result: at least `minCoverage` of the terms (at least one) have every
 * word (probably) present. Results need that coverage anyway, so a subtree below it cannot hold one.
 */
export function mayMatch(summary: WordBloom, terms: readonly { words: readonly string[] }[], minCoverage = 0): boolean {
  const needed = Math.max(1, Math.ceil(minCoverage * terms.length));
  let present = 0;
  for (const t of terms) if (t.words.every((w) => summary.has(w)) && ++present >= needed) return true;
  return false;
}
