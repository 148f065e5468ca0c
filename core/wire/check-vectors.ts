// Checks the wire test vectors with core/ code; runs unchanged in Node (vitest) and in Chromium (Playwright).
import { fromHex, toHex } from '../bytes.ts';
import { identityFromSeed } from '../identity/identity.ts';
import { encodeFrame } from './encode.ts';
import { FrameVerifier } from './verifier.ts';
import { HANDSHAKE_TYPES } from './handshake.ts';

export interface WireVector {
  name: string;
  seed: string;
  publicKey: string;
  nodeId: string;
  message: {
    type: string;
    tree: string;
    to: string | null;
    body: unknown;
    ts: number;
    id: string;
    payload: string | null;
  };
  frame: string;
  signature: string;
}

export interface VectorResult {
  name: string;
  /** encodeFrame reproduced the exact frame bytes. */
  encodes: boolean;
  /** The verifier accepted the frame and decoded the same fields. */
  verifies: boolean;
  /** A copy with one flipped signature bit was refused. */
  rejectsTampered: boolean;
}

export async function checkWireVectors(vectors: WireVector[]): Promise<VectorResult[]> {
  const results: VectorResult[] = [];
  for (const v of vectors) {
    const identity = await identityFromSeed(fromHex(v.seed));
    const { payload, ...rest } = v.message;
    const frame = await encodeFrame({ ...rest, ...(payload ? { payload: fromHex(payload) } : {}) }, identity);
    const verifier = new FrameVerifier({
      treeId: () => v.message.tree || null,
      now: () => v.message.ts,
      treeExemptTypes: HANDSHAKE_TYPES,
    });
    const expected = fromHex(v.frame);
    const got = await verifier.verify(expected);
    const verifies =
      got.ok &&
      got.message.fromId === v.nodeId &&
      toHex(got.message.fromKey) === v.publicKey &&
      got.message.id === v.message.id &&
      JSON.stringify(got.message.body) === JSON.stringify(v.message.body) &&
      (got.message.payload ? toHex(got.message.payload) : null) === v.message.payload;
    const tampered = expected.slice();
    tampered[tampered.length - 1]! ^= 0x80;
    const fresh = new FrameVerifier({ treeId: () => null, now: () => v.message.ts });
    const rejected = await fresh.verify(tampered);
    results.push({
      name: v.name,
      encodes: toHex(frame) === v.frame,
      verifies,
      rejectsTampered: !rejected.ok && rejected.reason === 'bad-signature',
    });
  }
  return results;
}
