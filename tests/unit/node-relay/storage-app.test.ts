// The storage application with fake peers: where it places shards and whom it asks for one it does not hold.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { MemoryShardStore } from '../../../core/storage/memory-shard-store.ts';
import { rendezvousOrder } from '../../../core/storage/placement.ts';
import type { Message } from '../../../core/wire/index.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { HolderIndex } from '../../../node-relay/replication/holder-index.ts';
import { PinIndex } from '../../../node-relay/replication/pin-index.ts';
import { StorageApp } from '../../../node-relay/storage/storage-app.ts';
import { GET, PUT, STORE, UNPIN } from '../../../core/protocol/shard-messages.ts';
import { MAX_FAN_OUT_PER_REQUEST } from '../../../core/limits.ts';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { signPin } from '../../../core/storage/pin.ts';
import type { Peers } from '../../../node-relay/replication/peers.ts';
import type { Dispatcher } from '../../../node-relay/ws/dispatcher.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

interface Call {
  readonly to: string;
  readonly type: string;
}

/** A tree of `n` fake relays: each has a shard map; requests to them are logged and answered like a relay would. */
function fakeTree(
  n: number,
  refuse: ReadonlySet<string> = new Set(),
  refusal = () => new PeerTreeError('FULL', 'full'),
) {
  const ids = Array.from({ length: n }, (_, i) => `relay-${String(i).padStart(2, '0')}`);
  const held = new Map(ids.map((id) => [id, new Map<string, Uint8Array>()]));
  const calls: Call[] = [];
  const linkTo = async (id: string): Promise<Link> =>
    ({
      peerId: id,
      request: async (type: string, body: { hash: string }, _timeout?: number, options?: { payload?: Uint8Array }) => {
        calls.push({ to: id, type });
        if (type === PUT) {
          if (refuse.has(id)) throw refusal();
          held.get(id)!.set(body.hash, options!.payload!);
          return { body: { hash: body.hash }, payload: null } as unknown as Message;
        }
        const bytes = held.get(id)!.get(body.hash);
        if (!bytes) throw new PeerTreeError('NOT_FOUND', 'not here');
        return { body: { hash: body.hash }, payload: bytes } as unknown as Message;
      },
    }) as unknown as Link;
  return { ids, held, calls, linkTo };
}

type Handler = (m: Message, link: Link) => Promise<void>;

async function appFor(
  selfId: string,
  tree: ReturnType<typeof fakeTree>,
  options: { quota?: number; handlers?: Map<string, Handler>; pins?: PinIndex } = {},
): Promise<StorageApp> {
  const db = new Database(':memory:');
  const peers: Peers = {
    selfId,
    members: () => tree.ids.map((id) => ({ id, url: `wss://${id}` })),
    linkTo: (id) => tree.linkTo(id),
    onDeparted: () => {},
  };
  const on = (type: string, handler: Handler) => {
    options.handlers?.set(type, handler);
    return () => {};
  };
  return new StorageApp({
    dispatcher: { on } as unknown as Dispatcher,
    store: new MemoryShardStore(),
    holders: new HolderIndex(db),
    pins: options.pins ?? new PinIndex(db),
    peers,
    logger: silentLogger,
    ...(options.quota !== undefined ? { quota: options.quota } : {}),
  });
}

async function shard(text: string): Promise<{ hash: string; bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text);
  return { hash: toHex(await sha256(bytes)), bytes };
}

/** A relay of `tree` that is not among the first `n` in the shard's order (so it must ask others). */
function outsider(hash: string, tree: ReturnType<typeof fakeTree>, n = 3): string {
  return rendezvousOrder(
    hash,
    tree.ids.map((id) => ({ id })),
  )[n]!.id;
}

/** The ids of a fake tree of `n`, in `hash`'s rendezvous order. */
function orderIn(hash: string, n: number): string[] {
  return rendezvousOrder(
    hash,
    fakeTree(n).ids.map((id) => ({ id })),
  ).map((m) => m.id);
}

describe('StorageApp placement and lookup', () => {
  it('places a shard on the first relays of its rendezvous order, the next one taking the place of one that refuses', async () => {
    const s = await shard('placed by hash');
    const order = orderIn(s.hash, 10);
    const tree = fakeTree(10, new Set([order[1]!]));
    const app = await appFor(order[9]!, tree);
    const holders = await app.place(s.hash, s.bytes, 3, []);
    expect([...holders].sort()).toEqual([order[0], order[2], order[3]].sort());
  });

  it('stops placing when a relay refuses a copy its owners released, rather than trying relays further down', async () => {
    const s = await shard('released while being placed');
    const order = orderIn(s.hash, 10);
    const released = () => new PeerTreeError('RELEASED', `shard ${s.hash.slice(0, 12)}… was deleted by its owner`);
    const tree = fakeTree(10, new Set([order[1]!]), released);
    const app = await appFor(order[9]!, tree);
    await expect(app.place(s.hash, s.bytes, 3, [])).rejects.toMatchObject({ code: 'RELEASED' });
    // The first three were asked together; nobody further down the order was sent the shard.
    expect(
      tree.calls
        .filter((c) => c.type === PUT)
        .map((c) => c.to)
        .sort(),
    ).toEqual(order.slice(0, 3).sort());
  });

  it('reads a release from the code alone: a FORBIDDEN that says "released" is retried down the order', async () => {
    const s = await shard('forbidden, whatever it says');
    const order = orderIn(s.hash, 10);
    const forbidden = () => new PeerTreeError('FORBIDDEN', `shard ${s.hash.slice(0, 12)}… was released by its owners`);
    const tree = fakeTree(10, new Set([order[1]!]), forbidden);
    const app = await appFor(order[9]!, tree);
    const holders = await app.place(s.hash, s.bytes, 3, []);
    expect([...holders].sort()).toEqual([order[0], order[2], order[3]].sort());
  });

  it('gets a shard it does not hold with one request, to the relay that ranks first for it', async () => {
    const s = await shard('one hop');
    const tree = fakeTree(10);
    const order = rendezvousOrder(
      s.hash,
      tree.ids.map((id) => ({ id })),
    ).map((m) => m.id);
    for (const id of order.slice(0, 3)) tree.held.get(id)!.set(s.hash, s.bytes);
    const app = await appFor(outsider(s.hash, tree), tree);
    expect(toHex(await app.find(s.hash))).toBe(toHex(s.bytes));
    expect(tree.calls).toEqual([{ to: order[0], type: GET }]);
  });

  it('still finds a shard stored further down its order (relays joined ahead of its holders) by asking the next members', async () => {
    const s = await shard('placed under another membership');
    const tree = fakeTree(10);
    const order = rendezvousOrder(
      s.hash,
      tree.ids.map((id) => ({ id })),
    ).map((m) => m.id);
    tree.held.get(order[4]!)!.set(s.hash, s.bytes);
    const app = await appFor(order[9]!, tree);
    expect(toHex(await app.find(s.hash))).toBe(toHex(s.bytes));
    // The computed holders first (each says at once that it has nothing), then the next ones in order.
    expect(tree.calls.slice(0, 3).map((c) => c.to)).toEqual(order.slice(0, 3));
    expect(tree.calls.map((c) => c.to)).toContain(order[4]);
  });

  it('asks at most MAX_FAN_OUT_PER_REQUEST relays for a hash nobody holds, in a tree of 40, and counts them', async () => {
    const s = await shard('a random hash');
    const tree = fakeTree(40);
    const app = await appFor(outsider(s.hash, tree, 10), tree);
    await expect(app.find(s.hash)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const order = rendezvousOrder(
      s.hash,
      tree.ids.map((id) => ({ id })),
    ).map((m) => m.id);
    expect(tree.calls.length).toBe(MAX_FAN_OUT_PER_REQUEST);
    expect(tree.calls.map((c) => c.to)).toEqual(order.slice(0, MAX_FAN_OUT_PER_REQUEST));
    expect(app.counters.fanOut).toBe(MAX_FAN_OUT_PER_REQUEST);
    expect(app.counters.fanOutExhausted).toBe(1);
  });

  it('fails with NOT_FOUND when no relay holds the shard', async () => {
    const s = await shard('nowhere');
    const tree = fakeTree(6);
    const app = await appFor(tree.ids[0]!, tree);
    await expect(app.find(s.hash)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

/** A message as the dispatcher hands it over: `from` signed it, `payload` is the shard. */
function message(type: string, body: unknown, from: Identity, payload: Uint8Array | null = null): Message {
  return {
    type,
    body,
    fromKey: from.publicKey,
    fromId: from.id,
    ts: Date.now(),
    id: '0'.repeat(32),
    payload,
  } as unknown as Message;
}

/** A link from `peerId` that records the replies it is sent. */
function linkFrom(peerId: string): Link & { replies: { type: string; body: unknown }[] } {
  const replies: { type: string; body: unknown }[] = [];
  return {
    peerId,
    replies,
    reply: async (_m: Message, type: string, body: unknown) => void replies.push({ type, body }),
  } as unknown as Link & { replies: typeof replies };
}

describe('StorageApp pins', () => {
  async function holderApp(options: { quota?: number } = {}) {
    const tree = fakeTree(4);
    const handlers = new Map<string, Handler>();
    const app = await appFor(tree.ids[0]!, tree, { ...options, handlers });
    return { tree, app, handlers, member: tree.ids[1]! };
  }

  it('refuses a shard.put whose pin is unsigned, keeps nothing, and counts it', async () => {
    const { app, handlers, member } = await holderApp();
    const { identity: victim } = await generateIdentity();
    const s = await shard('unsigned');
    const put = message(
      PUT,
      { hash: s.hash, holders: [], pins: [{ owner: toHex(victim.publicKey), ts: Date.now() + 1e9, sig: '' }] },
      victim,
      s.bytes,
    );
    await expect(handlers.get(PUT)!(put, linkFrom(member))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(app.counters.forgedPins).toBe(1);
    await expect(
      app.find(s.hash).then(
        () => 'found',
        () => 'absent',
      ),
    ).resolves.toBe('absent');
  });

  it('refuses a shard.put with no pin at all', async () => {
    const { app, handlers, member } = await holderApp();
    const { identity } = await generateIdentity();
    const s = await shard('no pin');
    await expect(
      handlers.get(PUT)!(message(PUT, { hash: s.hash, holders: [], pins: [] }, identity, s.bytes), linkFrom(member)),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(app.counters.forgedPins).toBe(1);
  });

  it("refuses a pin in a victim's name signed by the forwarding relay's own key (BAD_SIGNATURE)", async () => {
    const { app, handlers, member } = await holderApp();
    const { identity: forger } = await generateIdentity();
    const { identity: victim } = await generateIdentity();
    const s = await shard('forged in the victim name');
    const own = await signPin(forger, 'pin', s.hash, Date.now());
    const pins = [{ owner: toHex(victim.publicKey), ts: own.ts, sig: own.sig }];
    await expect(
      handlers.get(PUT)!(message(PUT, { hash: s.hash, holders: [], pins }, forger, s.bytes), linkFrom(member)),
    ).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    expect(app.counters.forgedPins).toBe(1);
  });

  it('refuses a shard.store without the sender’s own signed pin', async () => {
    const { app, handlers } = await holderApp();
    const { identity: client } = await generateIdentity();
    const { identity: other } = await generateIdentity();
    const s = await shard('store without pin');
    await expect(
      handlers.get(STORE)!(message(STORE, { hash: s.hash, replicas: 1 }, client, s.bytes), linkFrom(client.id)),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const othersPin = await signPin(other, 'pin', s.hash, Date.now());
    await expect(
      handlers.get(STORE)!(
        message(STORE, { hash: s.hash, replicas: 1, pin: othersPin }, client, s.bytes),
        linkFrom(client.id),
      ),
    ).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    expect(app.counters.forgedPins).toBe(2);
  });

  it('keeps a forwarded signed pin, releases it on the owner’s newer release, and refuses the old pin replayed afterwards', async () => {
    const { app, handlers, member } = await holderApp();
    const { identity: owner } = await generateIdentity();
    const s = await shard('released, then replayed');
    const pin = await signPin(owner, 'pin', s.hash, 1000);
    const put = () =>
      message(
        PUT,
        { hash: s.hash, holders: [], pins: [{ owner: pin.owner, ts: pin.ts, sig: pin.sig }] },
        owner,
        s.bytes,
      );
    await handlers.get(PUT)!(put(), linkFrom(member));
    expect(toHex(await app.find(s.hash))).toBe(toHex(s.bytes));
    const unpin = await signPin(owner, 'unpin', s.hash, 2000);
    const link = linkFrom(member);
    await handlers.get(UNPIN)!(message(UNPIN, { unpin, local: true }, owner), link);
    expect(link.replies[0]!.body).toMatchObject({ released: 1 });
    expect(app.counters.collected).toBe(1);
    await expect(handlers.get(PUT)!(put(), linkFrom(member))).rejects.toMatchObject({ code: 'RELEASED' });
    await expect(
      app.find(s.hash).then(
        () => 'found',
        () => 'absent',
      ),
    ).resolves.toBe('absent');
  });

  it('remembers a release that came before the forwarded copy, and refuses that copy when it lands', async () => {
    const { app, handlers, member } = await holderApp();
    const { identity: owner } = await generateIdentity();
    const s = await shard('released before its copy came');
    // Times of now: a release older than EARLY_RELEASE_MAX_AGE_MS would not be remembered.
    const pin = await signPin(owner, 'pin', s.hash, Date.now() - 1000);
    const unpin = await signPin(owner, 'unpin', s.hash, Date.now());
    const link = linkFrom(member);
    await handlers.get(UNPIN)!(message(UNPIN, { unpin, local: true }, owner), link);
    expect(link.replies[0]!.body).toMatchObject({ released: 0 });
    const put = message(
      PUT,
      { hash: s.hash, holders: [], pins: [{ owner: pin.owner, ts: pin.ts, sig: pin.sig }] },
      owner,
      s.bytes,
    );
    await expect(handlers.get(PUT)!(put, linkFrom(member))).rejects.toMatchObject({ code: 'RELEASED' });
    await expect(
      app.find(s.hash).then(
        () => 'found',
        () => 'absent',
      ),
    ).resolves.toBe('absent');
  });

  it('refuses (FULL) a key that used up its shard-count quota, and not another key', async () => {
    const { handlers, member } = await holderApp({ quota: 2 });
    const { identity: alice } = await generateIdentity();
    const { identity: bob } = await generateIdentity();
    const putAs = async (who: Identity, text: string) => {
      const s = await shard(text);
      const pin = await signPin(who, 'pin', s.hash, Date.now());
      return handlers.get(PUT)!(
        message(
          PUT,
          { hash: s.hash, holders: [], pins: [{ owner: pin.owner, ts: pin.ts, sig: pin.sig }] },
          who,
          s.bytes,
        ),
        linkFrom(member),
      );
    };
    await putAs(alice, 'a1');
    await putAs(alice, 'a2');
    await expect(putAs(alice, 'a3')).rejects.toMatchObject({
      code: 'FULL',
      message: expect.stringMatching(/storage quota of key [0-9a-f]{12}… is used up on this relay \(2 shards\)/),
    });
    await putAs(bob, 'b1');
  });

  it('refuses stores of one key sent all at once beyond its quota: writes in progress count against it', async () => {
    const { app, handlers, member } = await holderApp({ quota: 3 });
    const { identity: mallory } = await generateIdentity();
    const puts = await Promise.all(
      ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'].map(async (text) => {
        const s = await shard(text);
        const pin = await signPin(mallory, 'pin', s.hash, Date.now());
        return message(
          PUT,
          { hash: s.hash, holders: [], pins: [{ owner: pin.owner, ts: pin.ts, sig: pin.sig }] },
          mallory,
          s.bytes,
        );
      }),
    );
    // Eight stores in one turn, as a client's put window sends them: each awaits its disk write before its pin
    // is in the index, so a check of the index alone let all eight through a quota of three.
    const results = await Promise.allSettled(puts.map((m) => handlers.get(PUT)!(m, linkFrom(member))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code: string }).code)).toEqual(
      Array(5).fill('FULL'),
    );
    expect(app.counters.stored).toBe(3);
  });
});
