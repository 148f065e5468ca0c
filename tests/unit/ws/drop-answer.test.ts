// A relay's socket answers a refused frame its sender can act on: a close with the code for a clock or tree
// that refuses everything, a bounded number of signed peer.error answers for a replay memory full for now, and
// nothing at all for garbage, forgeries and duplicates.
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { LIMITS, MAX_REFUSAL_REPLIES_PER_SOCKET, MESSAGE_BURST_PER_KEY } from '../../../core/limits.ts';
import { closeRefusal } from '../../../core/protocol/frame-refusals.ts';
import { encodeFrame, FrameVerifier, type Message } from '../../../core/wire/index.ts';
import { defaultComponents } from '../../../node-relay/default-components.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { dropAnswerer } from '../../../node-relay/ws/drop-answer.ts';
import { newDropCounters } from '../../../node-relay/ws/drop-counters.ts';
import { attachIngress } from '../../../node-relay/ws/ingress.ts';

const TREE = 'bb'.repeat(16);
const NOW = 1_800_000_000_000;
const SHARE = MESSAGE_BURST_PER_KEY; // the smallest per-key replay share validateLimits allows
let relay: Identity;
let alice: Identity;

beforeAll(async () => {
  relay = (await generateIdentity()).identity;
  alice = (await generateIdentity()).identity;
});

/** A socket the relay writes to and closes, fed frames by the test. */
function fakeSocket() {
  const ws = new EventEmitter() as EventEmitter & {
    readyState: number;
    sent: Uint8Array[];
    closed: { code: number; reason: string } | null;
    pause(): void;
    resume(): void;
    send(frame: Uint8Array): void;
    close(code: number, reason: string): void;
  };
  ws.readyState = 1;
  ws.sent = [];
  ws.closed = null;
  ws.pause = ws.resume = () => {};
  ws.send = (frame) => void ws.sent.push(frame);
  ws.close = (code, reason) => {
    ws.closed ??= { code, reason };
    ws.readyState = 3;
  };
  return ws;
}

function relaySocket(authenticated = true) {
  const ws = fakeSocket();
  const counters = newDropCounters();
  const components = defaultComponents({ logger: silentLogger, clock: { now: () => NOW, monotonic: () => 0 } });
  const verifier = new FrameVerifier({
    treeId: () => TREE,
    now: () => NOW,
    limits: { ...LIMITS, maxReplayEntries: SHARE * 2, maxReplayEntriesPerSender: SHARE },
  });
  const delivered: Message[] = [];
  const onDrop = dropAnswerer({
    ws: ws as unknown as WebSocket,
    identity: relay,
    components,
    counters,
    treeId: () => TREE,
    authenticated: () => authenticated,
  });
  attachIngress(ws as unknown as WebSocket, verifier, counters, silentLogger, (m) => void delivered.push(m), onDrop);
  const feed = (frame: Uint8Array) => ws.emit('message', Buffer.from(frame), true);
  return { ws, counters, verifier, delivered, feed };
}

function frame(overrides: { ts?: number; tree?: string; body?: unknown } = {}, signer = alice): Promise<Uint8Array> {
  return encodeFrame({ type: 'app.note', tree: TREE, to: null, body: { n: 1 }, ts: NOW, ...overrides }, signer);
}

/** The relay's signed answers on the socket, read as its peer would (verified against the relay's key). */
async function answers(sent: Uint8Array[]): Promise<Message[]> {
  const reader = new FrameVerifier({ treeId: () => TREE, now: () => NOW });
  const out: Message[] = [];
  for (const f of sent) {
    const r = await reader.verify(f);
    if (!r.ok) throw new Error(`the relay sent a frame its peer refuses: ${r.reason}`);
    out.push(r.message);
  }
  return out;
}

/** Fills alice's replay share on this socket's verifier with accepted frames. */
async function fillShare(s: ReturnType<typeof relaySocket>): Promise<void> {
  for (let i = 0; i < SHARE; i++) s.feed(await frame({ body: { n: i } }));
  await vi.waitFor(() => expect(s.delivered).toHaveLength(SHARE), { timeout: 20_000 });
}

describe('drop answers', () => {
  it('closes a socket whose frame is stale with 4425 and the relay time, which the sender reads as its clock offset', async () => {
    const s = relaySocket();
    s.feed(await frame({ ts: NOW + 10 * 60_000 }));
    await vi.waitFor(() => expect(s.ws.closed).not.toBeNull());
    expect(s.ws.closed!.code).toBe(4425);
    expect(s.ws.sent).toEqual([]); // nothing signed
    const error = closeRefusal(s.ws.closed!.code, s.ws.closed!.reason, NOW + 10 * 60_000);
    expect(error?.code).toBe('STALE');
    expect(error?.message).toBe("this device's clock is 10 minutes ahead of the relay's; set the clock and try again");
    expect(s.counters['refusal-close']).toBe(1);
  });

  it('closes a socket whose frame names another tree with 4421', async () => {
    const s = relaySocket();
    s.feed(await frame({ tree: 'cc'.repeat(16) }));
    await vi.waitFor(() => expect(s.ws.closed?.code).toBe(4421));
    expect(closeRefusal(4421, s.ws.closed!.reason, NOW)?.code).toBe('FOREIGN_TREE');
  });

  it('answers a sender over its replay share with signed RATE_LIMITED refusals of its frame ids, then closes', async () => {
    const s = relaySocket();
    await fillShare(s);
    const over = await Promise.all(
      Array.from({ length: MAX_REFUSAL_REPLIES_PER_SOCKET + 5 }, (_, i) => frame({ body: { n: SHARE + i } })),
    );
    for (const f of over) s.feed(f);
    await vi.waitFor(() => expect(s.ws.closed).not.toBeNull());
    await vi.waitFor(() => expect(s.ws.sent).toHaveLength(MAX_REFUSAL_REPLIES_PER_SOCKET));
    const replies = await answers(s.ws.sent);
    expect(replies.map((m) => m.type)).toEqual(Array(MAX_REFUSAL_REPLIES_PER_SOCKET).fill('peer.error'));
    expect(replies[0]!.body).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'too many requests from this key in the last 5 minutes; wait and retry',
    });
    expect(replies[0]!.fromId).toBe(relay.id);
    expect(s.ws.closed!.code).toBe(4429);
    expect(s.counters['refusal-reply']).toBe(MAX_REFUSAL_REPLIES_PER_SOCKET);
  }, 30_000);

  it('signs no more than the bound of answers for a flood of forged frames claiming a full key', async () => {
    const s = relaySocket();
    await fillShare(s);
    const mallory = (await generateIdentity()).identity;
    // Mallory's frames say they are alice's (her key in `from`), signed by Mallory: refused before any signature check.
    const forged = await frame({ body: { n: -1 } }, mallory);
    const at = Buffer.from(forged).indexOf(Buffer.from(Buffer.from(mallory.publicKey).toString('hex')));
    const claimed = Buffer.from(Buffer.from(alice.publicKey).toString('hex'));
    for (let i = 0; i < 200; i++) {
      const f = await frame({ body: { n: -2 - i } }, mallory);
      f.set(claimed, at);
      s.feed(f);
    }
    await vi.waitFor(() => expect(s.ws.closed).not.toBeNull());
    await new Promise((r) => setTimeout(r, 50));
    expect(s.ws.sent).toHaveLength(MAX_REFUSAL_REPLIES_PER_SOCKET); // 200 refused, 8 signatures
    expect(s.counters['refusal-reply']).toBe(MAX_REFUSAL_REPLIES_PER_SOCKET);
    expect(s.verifier.drops['replay-sender-full']).toBeGreaterThan(MAX_REFUSAL_REPLIES_PER_SOCKET);
  }, 30_000);

  it('answers nothing to garbage, forged signatures, duplicates or replies, and keeps the socket open', async () => {
    const s = relaySocket();
    const good = await frame();
    const forged = await frame({ body: { n: 2 } });
    forged[forged.length - 1]! ^= 1;
    s.feed(new Uint8Array([1, 2, 3, 4]));
    s.feed(forged);
    s.feed(good);
    s.feed(good);
    await vi.waitFor(() => expect(s.verifier.totalDropped).toBe(3));
    expect(s.delivered).toHaveLength(1);
    expect(s.ws.sent).toEqual([]);
    expect(s.ws.closed).toBeNull();
  });

  it('before the handshake, closes instead of signing an answer for a stranger', async () => {
    const s = relaySocket(false);
    await fillShare(s);
    s.feed(await frame({ body: { n: 'over' } }));
    await vi.waitFor(() => expect(s.ws.closed?.code).toBe(4429));
    expect(s.ws.sent).toEqual([]);
  }, 30_000);
});
