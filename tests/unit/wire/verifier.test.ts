import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { encodeFrame, type OutgoingMessage } from '../../../core/wire/encode.ts';
import { FrameVerifier } from '../../../core/wire/verifier.ts';
import { assembleFrame, splitFrame } from '../../../core/wire/frame-layout.ts';
import { HANDSHAKE_TYPES } from '../../../core/wire/handshake.ts';
import { toHex, utf8, writeU32BE } from '../../../core/bytes.ts';
import { createNodeEd25519 } from '../../../node-relay/crypto/node-ed25519.ts';
import { FRESHNESS_WINDOW_MS, LIMITS } from '../../../core/limits.ts';

const TREE = 'aa'.repeat(16);
const NOW = 1_800_000_000_000;
let alice: Identity;
let mallory: Identity;

beforeAll(async () => {
  alice = (await generateIdentity()).identity;
  mallory = (await generateIdentity()).identity;
});

function verifier(tree: string | null = TREE, now = NOW) {
  return new FrameVerifier({ treeId: () => tree, now: () => now, treeExemptTypes: HANDSHAKE_TYPES });
}

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { type: 'app.note', tree: TREE, to: null, body: { text: 'hi' }, ts: NOW, ...overrides };
}

describe('FrameVerifier', () => {
  it('accepts a well-signed fresh frame and reports its sender, body and payload', async () => {
    const v = verifier();
    const frame = await encodeFrame(message({ payload: Uint8Array.of(1, 2, 3) }), alice);
    const result = await v.verify(frame);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.fromId).toBe(alice.id);
    expect(result.message.body).toEqual({ text: 'hi' });
    expect([...result.message.payload!]).toEqual([1, 2, 3]);
    expect(v.accepted).toBe(1);
  });

  it('drops a frame whose body was swapped after signing, and counts it', async () => {
    const v = verifier();
    const frame = await encodeFrame(message({ body: { amount: 1 } }), alice);
    const parts = splitFrame(frame, LIMITS.maxHeaderBytes, LIMITS.maxPayloadBytes);
    if (typeof parts === 'string') throw new Error(parts);
    const forgedHeader = utf8(new TextDecoder().decode(parts.header).replace('"amount":1', '"amount":9'));
    const result = await v.verify(assembleFrame(forgedHeader, parts.payload, parts.signature));
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(v.drops['bad-signature']).toBe(1);
  });

  it('drops a frame whose payload was swapped after signing', async () => {
    const frame = await encodeFrame(message({ payload: Uint8Array.of(1, 2, 3) }), alice);
    frame[frame.length - 64 - 1] = 4;
    expect(await verifier().verify(frame)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('drops a frame that claims another sender’s key', async () => {
    const frame = await encodeFrame(message(), mallory);
    const parts = splitFrame(frame, LIMITS.maxHeaderBytes, LIMITS.maxPayloadBytes);
    if (typeof parts === 'string') throw new Error(parts);
    const header = new TextDecoder().decode(parts.header);
    const claimed = header.replace(/"from":"[0-9a-f]{64}"/, `"from":"${Buffer.from(alice.publicKey).toString('hex')}"`);
    expect(await verifier().verify(assembleFrame(utf8(claimed), parts.payload, parts.signature))).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it('drops a replayed message id but accepts the same content under a new id', async () => {
    const v = verifier();
    const frame = await encodeFrame(message({ id: '11'.repeat(16) }), alice);
    expect((await v.verify(frame)).ok).toBe(true);
    expect(await v.verify(frame)).toMatchObject({ ok: false, reason: 'replay' });
    expect((await v.verify(await encodeFrame(message(), alice))).ok).toBe(true);
    expect(v.drops.replay).toBe(1);
  });

  it('drops frames outside the freshness window in either direction', async () => {
    const v = verifier();
    expect(await v.verify(await encodeFrame(message({ ts: NOW - FRESHNESS_WINDOW_MS - 1 }), alice))).toMatchObject({
      reason: 'stale',
    });
    expect(await v.verify(await encodeFrame(message({ ts: NOW + FRESHNESS_WINDOW_MS + 1 }), alice))).toMatchObject({
      reason: 'stale',
    });
    expect((await v.verify(await encodeFrame(message({ ts: NOW - FRESHNESS_WINDOW_MS }), alice))).ok).toBe(true);
  });

  it('names a refused frame by its id, claimed time and the request it answers, so the receiver can answer it', async () => {
    const v = verifier();
    const ahead = NOW + 10 * 60_000;
    const request = await encodeFrame(message({ ts: ahead, id: 'ab'.repeat(16) }), alice);
    expect(await v.verify(request)).toEqual({
      ok: false,
      reason: 'stale',
      frame: { id: 'ab'.repeat(16), ts: ahead, re: null },
    });
    const reply = await encodeFrame(message({ ts: ahead, body: { re: 'cd'.repeat(16) } }), alice);
    expect(await v.verify(reply)).toMatchObject({ reason: 'stale', frame: { re: 'cd'.repeat(16) } });
    expect(await v.verify(new Uint8Array([1, 2, 3]))).not.toHaveProperty('frame'); // unparsed: nothing to name
  });

  it('drops a foreign tree id, except for handshake types, and accepts any tree when it has none', async () => {
    const foreign = await encodeFrame(message({ tree: 'bb'.repeat(16) }), alice);
    expect(await verifier().verify(foreign)).toMatchObject({ reason: 'foreign-tree' });
    expect((await verifier().verify(await encodeFrame(message({ type: 'peer.auth', tree: '' }), alice))).ok).toBe(true);
    expect((await verifier(null).verify(foreign)).ok).toBe(true);
  });

  it('reads an answer of another tree only when it answers a tree-exempt request this side still waits for', async () => {
    const waiting = new Set(['11'.repeat(16)]);
    const v = new FrameVerifier({
      treeId: () => TREE,
      now: () => NOW,
      treeExemptTypes: HANDSHAKE_TYPES,
      isExemptRequest: (re) => waiting.has(re),
    });
    const refusal = (re: string) =>
      encodeFrame(message({ type: 'peer.error', tree: 'bb'.repeat(16), body: { re, code: 'FORBIDDEN' } }), alice);
    expect((await v.verify(await refusal('11'.repeat(16)))).ok).toBe(true);
    // Another request's answer, or a frame that answers nothing, stays foreign.
    expect(await v.verify(await refusal('22'.repeat(16)))).toMatchObject({ reason: 'foreign-tree' });
    const note = await encodeFrame(message({ tree: 'bb'.repeat(16), body: { text: 'hi' } }), alice);
    expect(await v.verify(note)).toMatchObject({ reason: 'foreign-tree' });
  });

  it('drops malformed frames by reason: magic, truncation, bad UTF-8, bad JSON, missing or extra fields', async () => {
    const v = verifier();
    const sig = new Uint8Array(64);
    const empty = new Uint8Array(0);
    expect(await v.verify(new Uint8Array(3))).toMatchObject({ reason: 'truncated' });
    expect(await v.verify(new Uint8Array(100))).toMatchObject({ reason: 'bad-magic' });
    expect(await v.verify(assembleFrame(Uint8Array.of(0xff, 0xfe), empty, sig))).toMatchObject({ reason: 'bad-utf8' });
    expect(await v.verify(assembleFrame(utf8('{"v":1,'), empty, sig))).toMatchObject({ reason: 'bad-json' });
    expect(await v.verify(assembleFrame(utf8('null'), empty, sig))).toMatchObject({ reason: 'bad-field' });
    expect(await v.verify(assembleFrame(utf8('{"v":1}'), empty, sig))).toMatchObject({ reason: 'bad-field' });
    const good = JSON.parse(
      new TextDecoder().decode(
        (splitFrame(await encodeFrame(message(), alice), 1e6, 1e6) as { header: Uint8Array }).header,
      ),
    );
    for (const bad of [
      { ...good, extra: 1 },
      { ...good, ts: -1 },
      { ...good, ts: 1.5 },
      { ...good, type: 'UPPER' },
      { ...good, to: 'x' },
      { ...good, v: 2 },
    ]) {
      expect(await v.verify(assembleFrame(utf8(JSON.stringify(bad)), empty, sig))).toMatchObject({
        reason: 'bad-field',
      });
    }
    const { body: _omit, ...noBody } = good;
    expect(await v.verify(assembleFrame(utf8(JSON.stringify(noBody)), empty, sig))).toMatchObject({
      reason: 'bad-field',
    });
    expect(v.totalDropped).toBe(13);
    expect(v.accepted).toBe(0);
  });

  it('drops frames larger than the limits without reading them', async () => {
    const small = new FrameVerifier({
      treeId: () => null,
      now: () => NOW,
      limits: { ...LIMITS, maxFrameBytes: 200, maxHeaderBytes: 100, maxPayloadBytes: 10 },
    });
    expect(await small.verify(new Uint8Array(201))).toMatchObject({ reason: 'too-large' });
    const lying = assembleFrame(utf8('{}'), new Uint8Array(0), new Uint8Array(64));
    writeU32BE(lying, 4, 0x7fffffff);
    expect(await small.verify(lying)).toMatchObject({ reason: 'too-large' });
  });

  it('refuses a sender over its replay share, and everyone while the memory is full, never forgetting a frame', async () => {
    let checks = 0;
    const v = new FrameVerifier({
      treeId: () => TREE,
      now: () => NOW,
      limits: { ...LIMITS, maxReplayEntries: 6, maxReplayEntriesPerSender: 3 },
      verifySignature: async (k, m, s) => (checks++, createNodeEd25519().verify(k, m, s)),
    });
    const mine = await Promise.all([0, 1, 2, 3].map(() => encodeFrame(message(), mallory)));
    for (const f of mine.slice(0, 3)) expect((await v.verify(f)).ok).toBe(true);
    const checked = checks;
    expect(await v.verify(mine[3]!)).toMatchObject({ ok: false, reason: 'replay-sender-full' });
    expect(checks).toBe(checked); // refused before its signature was paid for
    expect(await v.verify(mine[0]!)).toMatchObject({ ok: false, reason: 'replay' });
    const others = await Promise.all([alice, alice, alice].map((who) => encodeFrame(message(), who)));
    for (const f of others) expect((await v.verify(f)).ok).toBe(true);
    const late = (await generateIdentity()).identity;
    expect(await v.verify(await encodeFrame(message(), late))).toMatchObject({ ok: false, reason: 'replay-full' });
    expect(await v.verify(mine[1]!)).toMatchObject({ ok: false, reason: 'replay' });
    expect(v.drops).toMatchObject({ 'replay-sender-full': 1, 'replay-full': 1, replay: 2 });
  });

  it('accepts a concurrent duplicate only once', async () => {
    const v = verifier();
    const frame = await encodeFrame(message(), alice);
    const results = await Promise.all([v.verify(frame), v.verify(frame), v.verify(frame)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('checks signatures with the Ed25519 function it was given, and drops what that function refuses', async () => {
    const frame = await encodeFrame(message(), alice);
    const checked: string[] = [];
    const refusing = new FrameVerifier({
      treeId: () => TREE,
      now: () => NOW,
      verifySignature: async (key) => {
        checked.push(toHex(key));
        return false;
      },
    });
    expect(await refusing.verify(frame)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(checked).toEqual([toHex(alice.publicKey)]);
    const node = createNodeEd25519();
    const byNode = new FrameVerifier({
      treeId: () => TREE,
      now: () => NOW,
      verifySignature: (k, m, s) => node.verify(k, m, s),
    });
    expect((await byNode.verify(frame)).ok).toBe(true);
    expect((await byNode.verify(await encodeFrame(message(), mallory))).ok).toBe(true);
    const forged = await encodeFrame(message(), alice);
    forged[forged.length - 1]! ^= 1;
    expect(await byNode.verify(forged)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('gives each message its own copy of the sender key, so changing one cannot change what the next frame is checked against', async () => {
    const v = verifier();
    const first = await v.verify(await encodeFrame(message(), alice));
    if (!first.ok) throw new Error(first.reason);
    first.message.fromKey.set(mallory.publicKey);
    const second = await v.verify(await encodeFrame(message(), alice));
    if (!second.ok) throw new Error(second.reason);
    expect(toHex(second.message.fromKey)).toBe(toHex(alice.publicKey));
    expect(second.message.fromId).toBe(alice.id);
    const forged = await encodeFrame(message(), mallory);
    const claimed = utf8(toHex(alice.publicKey));
    const at = Buffer.from(forged).indexOf(toHex(mallory.publicKey));
    forged.set(claimed, at); // Mallory's frame claiming Alice's key
    expect(await v.verify(forged)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});
