// A payload digest the sender or receiver already computed is reused, never trusted blindly: a wrong one makes
// the frame fail verification, and verifyShard with a wrong digest still reports HASH_MISMATCH.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { verifyShard } from '../../../core/storage/file-codec.ts';
import { encodeFrame } from '../../../core/wire/encode.ts';
import { FrameVerifier } from '../../../core/wire/verifier.ts';

const TREE = 'ab'.repeat(16);
const NOW = 1_800_000_000_000;

describe('payload digests', () => {
  it('the verifier reports the SHA-256 of the payload it checked', async () => {
    const { identity } = await generateIdentity();
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const frame = await encodeFrame({ type: 'app.x', tree: TREE, to: null, body: null, ts: NOW, payload }, identity);
    const r = await new FrameVerifier({ treeId: () => TREE, now: () => NOW }).verify(frame);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(toHex(r.message.payloadDigest!)).toBe(toHex(await sha256(payload)));
  });

  it('a frame encoded with a given correct digest verifies; with a wrong one it is dropped as bad-signature', async () => {
    const { identity } = await generateIdentity();
    const payload = new Uint8Array(4096).fill(3);
    const good = await encodeFrame(
      { type: 'app.x', tree: TREE, to: null, body: null, ts: NOW, payload, payloadDigest: await sha256(payload) },
      identity,
    );
    const v = new FrameVerifier({ treeId: () => TREE, now: () => NOW });
    expect((await v.verify(good)).ok).toBe(true);
    const bad = await encodeFrame(
      { type: 'app.x', tree: TREE, to: null, body: null, ts: NOW, payload, payloadDigest: new Uint8Array(32) },
      identity,
    );
    expect(await v.verify(bad)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('verifyShard compares a known digest, and a digest that does not name the shard is HASH_MISMATCH', async () => {
    const bytes = new Uint8Array(100).fill(9);
    const digest = await sha256(bytes);
    await expect(verifyShard(toHex(digest), bytes, digest)).resolves.toBeUndefined();
    await expect(verifyShard(toHex(digest), bytes, new Uint8Array(32))).rejects.toMatchObject({
      code: 'HASH_MISMATCH',
    });
    await expect(verifyShard('00'.repeat(32), bytes, digest)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });
});

describe('the empty payload digest', () => {
  it('is SHA-256 of no bytes', async () => {
    const { EMPTY_PAYLOAD_DIGEST } = await import('../../../core/wire/frame-layout.ts');
    expect(toHex(EMPTY_PAYLOAD_DIGEST)).toBe(toHex(await sha256(new Uint8Array(0))));
  });
});
