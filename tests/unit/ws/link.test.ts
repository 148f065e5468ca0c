import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { FrameVerifier } from '../../../core/wire/index.ts';
import { defaultComponents } from '../../../node-relay/default-components.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { newDropCounters } from '../../../node-relay/ws/drop-counters.ts';
import { Link } from '../../../node-relay/ws/link.ts';
import { MAX_EARLY_SIGNATURES } from '../../../core/limits.ts';

const TREE = 'cc'.repeat(16);
let alice: Identity;

beforeAll(async () => {
  alice = (await generateIdentity()).identity;
});

/** Alice's identity, but each signature is handed out only when the test says so. */
function heldSigner() {
  const held: { answer: () => void }[] = [];
  const identity: Identity = {
    publicKey: alice.publicKey,
    id: alice.id,
    sign: (message) => new Promise((resolve) => held.push({ answer: () => void alice.sign(message).then(resolve) })),
  };
  return { identity, held };
}

function openLink(identity: Identity, extra: { fullWaitMs?: number; maxBufferedBytes?: number } = {}) {
  const written: Uint8Array[] = [];
  const ws = Object.assign(new EventEmitter(), {
    readyState: 1,
    bufferedAmount: 0,
    send: (frame: Uint8Array) => void written.push(frame),
  });
  const link = new Link({
    ws: ws as unknown as WebSocket,
    identity,
    peerKey: alice.publicKey,
    peerId: alice.id,
    role: 'client',
    url: null,
    direction: 'in',
    treeId: () => TREE,
    components: defaultComponents({ logger: silentLogger }),
    counters: newDropCounters(),
    onMessage: () => {},
    ...extra,
  });
  return { link, written, ws };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

async function bodies(frames: Uint8Array[]): Promise<unknown[]> {
  const verifier = new FrameVerifier({ treeId: () => TREE, now: () => Date.now() });
  const out: unknown[] = [];
  for (const f of frames) {
    const r = await verifier.verify(f);
    out.push(r.ok ? r.message.body : r.reason);
  }
  return out;
}

describe('link sends', () => {
  it('signs small frames side by side but writes them in the order they were sent', async () => {
    const { identity, held } = heldSigner();
    const { link, written } = openLink(identity);
    const sent = [0, 1, 2].map((n) => link.send('app.note', { n }));
    await settle();
    expect(held).toHaveLength(3); // all three signatures started before any was made
    for (const h of [...held].reverse()) h.answer();
    await Promise.all(sent);
    expect(await bodies(written)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it('signs at most MAX_EARLY_SIGNATURES frames ahead, and builds frames with a payload only in their turn', async () => {
    const { identity, held } = heldSigner();
    const { link, written } = openLink(identity);
    const sent = [link.send('app.shard', { n: 0 }, { payload: Uint8Array.of(1, 2, 3) })];
    for (let n = 1; n <= MAX_EARLY_SIGNATURES + 2; n++) sent.push(link.send('app.note', { n }));
    // the payload frame (its turn: it hashes its payload first) and the early ones, and no more
    await vi.waitFor(() => expect(held).toHaveLength(MAX_EARLY_SIGNATURES + 1));
    await settle();
    expect(held).toHaveLength(MAX_EARLY_SIGNATURES + 1);
    // The two late frames are signed only when their turn comes, after every frame before them was written.
    for (let i = 0; i < MAX_EARLY_SIGNATURES + 3; i++) {
      await vi.waitFor(() => expect(held.length).toBeGreaterThan(i));
      held[i]!.answer();
    }
    await vi.waitFor(() => expect(written).toHaveLength(MAX_EARLY_SIGNATURES + 3));
    await Promise.all(sent);
    expect(await bodies(written)).toEqual(Array.from({ length: MAX_EARLY_SIGNATURES + 3 }, (_, n) => ({ n })));
  });
});

describe('a link whose peer reads slowly', () => {
  it('refuses a send with FULL at once when it may not wait, and counts it', async () => {
    const { link, written, ws } = openLink(alice, { maxBufferedBytes: 1000 });
    ws.bufferedAmount = 900;
    await expect(link.send('app.note', { n: 1 }, { payload: new Uint8Array(200) })).rejects.toMatchObject({
      code: 'FULL',
    });
    expect(written).toHaveLength(0);
  });

  it('waits for room in the buffer when it may, and then sends in order', async () => {
    const { link, written, ws } = openLink(alice, { maxBufferedBytes: 1000, fullWaitMs: 5_000 });
    ws.bufferedAmount = 900;
    const first = link.send('app.note', { n: 1 }, { payload: new Uint8Array(200) });
    const second = link.send('app.note', { n: 2 });
    await new Promise((r) => setTimeout(r, 30));
    expect(written).toHaveLength(0); // still waiting: the peer has read nothing
    ws.bufferedAmount = 0; // the peer reads
    await Promise.all([first, second]);
    expect(await bodies(written)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('gives up with FULL once the wait is over', async () => {
    const { link, ws } = openLink(alice, { maxBufferedBytes: 1000, fullWaitMs: 20 });
    ws.bufferedAmount = 900;
    await expect(link.send('app.note', { n: 1 }, { payload: new Uint8Array(200) })).rejects.toMatchObject({
      code: 'FULL',
    });
  });
});
