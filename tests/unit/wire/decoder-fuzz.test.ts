// Feeds over 100,000 random and mutated frames to the verifier: nothing escapes, nothing invalid is accepted.
import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { encodeFrame } from '../../../core/wire/encode.ts';
import { FrameVerifier } from '../../../core/wire/verifier.ts';
import { equalBytes, writeU32BE } from '../../../core/bytes.ts';

const NOW = 1_800_000_000_000;
const TREE = 'cd'.repeat(16);

/** Small seeded PRNG (mulberry32) so that a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(frame: Uint8Array, rand: () => number): Uint8Array {
  const pick = Math.floor(rand() * 6);
  const out = frame.slice();
  switch (pick) {
    case 0: {
      const flips = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < flips; i++) out[Math.floor(rand() * out.length)]! ^= 1 << Math.floor(rand() * 8);
      return out;
    }
    case 1:
      return out.subarray(0, Math.floor(rand() * out.length));
    case 2: {
      const extra = new Uint8Array(out.length + 1 + Math.floor(rand() * 8));
      extra.set(out);
      return extra;
    }
    case 3:
      writeU32BE(out, rand() < 0.5 ? 4 : 8 + ((out[7]! | 0) % 64), Math.floor(rand() * 0xffffffff));
      return out;
    case 4: {
      const garbage = new Uint8Array(Math.floor(rand() * 300));
      for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rand() * 256);
      if (rand() < 0.5) garbage.set([0x50, 0x54, 0x46, 0x01].slice(0, garbage.length));
      return garbage;
    }
    default: {
      const i = 8 + Math.floor(rand() * Math.max(1, out.length - 80));
      out[i] = [0x22, 0x7b, 0x7d, 0x00, 0xc0, 0xff, 0x5c][Math.floor(rand() * 7)]!;
      return out;
    }
  }
}

describe('frame decoder under fuzzing', () => {
  it('survives 100,000 mutated and random frames and accepts only the untouched originals', async () => {
    const identity = (await generateIdentity()).identity;
    const rand = prng(0x5eed);
    const originals: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const payload =
        i % 3 === 0 ? new Uint8Array(Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256)) : undefined;
      originals.push(
        await encodeFrame(
          {
            type: 'fuzz.t',
            tree: TREE,
            to: null,
            body: { i, s: 'x'.repeat(i) },
            ts: NOW,
            ...(payload ? { payload } : {}),
          },
          identity,
        ),
      );
    }
    const verifier = new FrameVerifier({ treeId: () => TREE, now: () => NOW });
    let accepted = 0;
    let wronglyAccepted = 0;
    const RUNS = 100_000;
    for (let n = 0; n < RUNS; n++) {
      const original = originals[n % originals.length]!;
      const frame = mutate(original, rand);
      const result = await verifier.verify(frame);
      if (result.ok) {
        accepted++;
        // A mutation may leave the bytes unchanged only when it flipped nothing that matters (e.g. flipped back).
        if (!equalBytes(frame, original)) wronglyAccepted++;
      }
    }
    expect(wronglyAccepted).toBe(0);
    // Each original can be accepted at most once: replays of it are dropped.
    expect(accepted).toBeLessThanOrEqual(originals.length);
    expect(verifier.accepted + verifier.totalDropped).toBe(RUNS);
  }, 120_000);
});
