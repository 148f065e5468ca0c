import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { generateIdentity, verifySignature, type Identity } from '../../../core/identity/identity.ts';
import { encodeFrame, FrameVerifier, type Message } from '../../../core/wire/index.ts';
import { newDropCounters } from '../../../node-relay/ws/drop-counters.ts';
import { attachIngress } from '../../../node-relay/ws/ingress.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { MAX_CONCURRENT_VERIFICATIONS } from '../../../core/limits.ts';

const TREE = 'bb'.repeat(16);
const NOW = 1_800_000_000_000;
let alice: Identity;

beforeAll(async () => {
  alice = (await generateIdentity()).identity;
});

/** Signature checks that answer only when the test says so (the real answer, held back). */
function heldVerifier() {
  const held: { answer: () => void }[] = [];
  const verifier = new FrameVerifier({
    treeId: () => TREE,
    now: () => NOW,
    verifySignature: (key, message, signature) =>
      new Promise<boolean>((resolve) =>
        held.push({ answer: () => void verifySignature(key, message, signature).then(resolve) }),
      ),
  });
  return { verifier, held };
}

function fakeSocket() {
  const ws = new EventEmitter() as EventEmitter & { pause(): void; resume(): void };
  ws.pause = () => {};
  ws.resume = () => {};
  return ws;
}

async function frames(n: number): Promise<Uint8Array[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      encodeFrame({ type: 'app.note', tree: TREE, to: null, body: { n: i }, ts: NOW }, alice),
    ),
  );
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('ingress', () => {
  it('verifies several frames of one socket at once and delivers them in the order they arrived', async () => {
    const { verifier, held } = heldVerifier();
    const ws = fakeSocket();
    const delivered: unknown[] = [];
    attachIngress(ws as unknown as WebSocket, verifier, newDropCounters(), silentLogger, (m: Message) => {
      delivered.push(m.body);
    });
    const sent = await frames(4);
    sent[2]![sent[2]!.length - 1]! ^= 1; // the third one is forged
    for (const f of sent) ws.emit('message', Buffer.from(f), true);
    await settle();
    expect(held).toHaveLength(4); // all four checks started before any answered
    for (const h of [...held].reverse()) h.answer(); // answers come back last first
    await vi.waitFor(() => expect(delivered).toHaveLength(3));
    expect(delivered).toEqual([{ n: 0 }, { n: 1 }, { n: 3 }]);
    expect(verifier.drops['bad-signature']).toBe(1);
  });

  it('checks at most MAX_CONCURRENT_VERIFICATIONS frames of one socket at a time, starting the rest in order', async () => {
    const { verifier, held } = heldVerifier();
    const ws = fakeSocket();
    const delivered: unknown[] = [];
    attachIngress(ws as unknown as WebSocket, verifier, newDropCounters(), silentLogger, (m: Message) => {
      delivered.push(m.body);
    });
    const n = MAX_CONCURRENT_VERIFICATIONS + 3;
    for (const f of await frames(n)) ws.emit('message', Buffer.from(f), true);
    await settle();
    expect(held).toHaveLength(MAX_CONCURRENT_VERIFICATIONS);
    held[1]!.answer();
    await vi.waitFor(() => expect(held).toHaveLength(MAX_CONCURRENT_VERIFICATIONS + 1));
    await settle();
    expect(held).toHaveLength(MAX_CONCURRENT_VERIFICATIONS + 1);
    expect(delivered).toEqual([]); // the first frame is still being checked
    let answered = 1;
    for (let i = 0; i < n; i++) {
      if (i === 1) continue;
      held[i]!.answer(); // each answer hands its slot to the next frame in line
      answered++;
      await vi.waitFor(() => expect(held).toHaveLength(Math.min(n, MAX_CONCURRENT_VERIFICATIONS + answered)));
    }
    await vi.waitFor(() => expect(delivered).toHaveLength(n));
    expect(delivered).toEqual(Array.from({ length: n }, (_, i) => ({ n: i })));
  });

  it('delivers a frame sent twice on one socket once, however the two checks interleave', async () => {
    const { verifier, held } = heldVerifier();
    const ws = fakeSocket();
    const delivered: unknown[] = [];
    attachIngress(ws as unknown as WebSocket, verifier, newDropCounters(), silentLogger, (m: Message) => {
      delivered.push(m.body);
    });
    const [frame] = await frames(1);
    ws.emit('message', Buffer.from(frame!), true);
    ws.emit('message', Buffer.from(frame!), true);
    await settle();
    expect(held).toHaveLength(2);
    held[1]!.answer();
    held[0]!.answer();
    await vi.waitFor(() => expect(verifier.drops.replay + verifier.accepted).toBe(2));
    await settle();
    expect(delivered).toEqual([{ n: 0 }]);
    expect(verifier.drops.replay).toBe(1);
  });
});
