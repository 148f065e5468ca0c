// A relay's socket answers a refused frame its sender can act on (a clock, a tree, a replay memory full for now)
// with a bounded number of signed peer.error answers, then closes only for a full replay memory; garbage,
// forgeries, duplicates and replies get nothing at all.
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { LIMITS, MAX_REFUSAL_REPLIES_PER_SOCKET, MESSAGE_BURST_PER_KEY } from '../../../core/limits.ts';
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

function frame(
  overrides: { ts?: number; tree?: string; body?: unknown; id?: string } = {},
  signer = alice,
): Promise<Uint8Array> {
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
  it('answers a stale frame with a signed STALE refusal of its id that says how far the clock is off', async () => {
    const s = relaySocket();
    const ahead = await frame({ ts: NOW + 10 * 60_000, id: 'ab'.repeat(16) });
    s.feed(ahead);
    await vi.waitFor(() => expect(s.ws.sent).toHaveLength(1));
    const [refusal] = await answers(s.ws.sent);
    expect(refusal!.type).toBe('peer.error');
    expect(refusal!.ts).toBe(NOW); // the relay's time, for a sender that cannot read this answer as fresh
    expect(refusal!.body).toEqual({
      re: 'ab'.repeat(16),
      code: 'STALE',
      message: "this device's clock is 10 minutes ahead of the relay's; set the clock and try again",
    });
    expect(s.ws.closed).toBeNull(); // one stray frame does not cost the connection
  });

  it('answers a frame of another tree with FOREIGN_TREE, and past the bound only counts such frames', async () => {
    const s = relaySocket();
    for (let i = 0; i < MAX_REFUSAL_REPLIES_PER_SOCKET + 20; i++)
      s.feed(await frame({ tree: 'cc'.repeat(16), body: { n: i } }));
    await vi.waitFor(() => expect(s.verifier.drops['foreign-tree']).toBe(MAX_REFUSAL_REPLIES_PER_SOCKET + 20));
    await vi.waitFor(() => expect(s.ws.sent).toHaveLength(MAX_REFUSAL_REPLIES_PER_SOCKET));
    expect((await answers(s.ws.sent)).map((m) => (m.body as { code: string }).code)).toEqual(
      Array(MAX_REFUSAL_REPLIES_PER_SOCKET).fill('FOREIGN_TREE'),
    );
    expect(s.ws.closed).toBeNull();
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

  it('never answers a refused reply (no error ping-pong)', async () => {
    const s = relaySocket();
    s.feed(await frame({ ts: NOW + 10 * 60_000, body: { re: 'ab'.repeat(16) } }));
    await vi.waitFor(() => expect(s.verifier.drops.stale).toBe(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(s.ws.sent).toEqual([]);
  });

  it('before the handshake, closes instead of signing an answer for a stranger', async () => {
    const s = relaySocket(false);
    await fillShare(s);
    s.feed(await frame({ body: { n: 'over' } }));
    await vi.waitFor(() => expect(s.ws.closed?.code).toBe(4429));
    expect(s.ws.sent).toEqual([]);
  }, 30_000);
});
