// The storage application with fake peers: where it places shards and whom it asks for one it does not hold.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { sha256 } from '../../../core/crypto/sha256.ts';
import { PeerTreeError } from '../../../core/errors.ts';
import { MemoryShardStore } from '../../../core/storage/memory-shard-store.ts';
import { rendezvousOrder } from '../../../core/storage/placement.ts';
import type { Message } from '../../../core/wire/index.ts';
import { silentLogger } from '../../../node-relay/logger.ts';
import { HolderIndex } from '../../../node-relay/storage/holder-index.ts';
import { PinIndex } from '../../../node-relay/storage/pin-index.ts';
import { StorageApp } from '../../../node-relay/storage/storage-app.ts';
import { GET, PUT } from '../../../node-relay/storage/storage-messages.ts';
import type { StoragePeers } from '../../../node-relay/storage/storage-peers.ts';
import type { Dispatcher } from '../../../node-relay/ws/dispatcher.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

interface Call {
  readonly to: string;
  readonly type: string;
}

/** A tree of `n` fake relays: each has a shard map; requests to them are logged and answered like a relay would. */
function fakeTree(n: number, refuse: ReadonlySet<string> = new Set()) {
  const ids = Array.from({ length: n }, (_, i) => `relay-${String(i).padStart(2, '0')}`);
  const held = new Map(ids.map((id) => [id, new Map<string, Uint8Array>()]));
  const calls: Call[] = [];
  const linkTo = async (id: string): Promise<Link> =>
    ({
      peerId: id,
      request: async (type: string, body: { hash: string }, _timeout?: number, options?: { payload?: Uint8Array }) => {
        calls.push({ to: id, type });
        if (type === PUT) {
          if (refuse.has(id)) throw new PeerTreeError('FULL', 'full');
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

async function appFor(selfId: string, tree: ReturnType<typeof fakeTree>): Promise<StorageApp> {
  const db = new Database(':memory:');
  const peers: StoragePeers = {
    selfId,
    members: () => tree.ids.map((id) => ({ id, url: `wss://${id}` })),
    linkTo: (id) => tree.linkTo(id),
    onDeparted: () => {},
  };
  return new StorageApp({
    dispatcher: { on: () => () => {} } as unknown as Dispatcher,
    store: new MemoryShardStore(),
    holders: new HolderIndex(db),
    pins: new PinIndex(db),
    peers,
    logger: silentLogger,
    random: Math.random,
  });
}

async function shard(text: string): Promise<{ hash: string; bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text);
  return { hash: toHex(await sha256(bytes)), bytes };
}

/** A relay of `tree` that is not among the first `n` in the shard's order (so it must ask others). */
function outsider(hash: string, tree: ReturnType<typeof fakeTree>, n = 3): string {
  return rendezvousOrder(hash, tree.ids.map((id) => ({ id })))[n]!.id;
}

describe('StorageApp placement and lookup', () => {
  it('places a shard on the first relays of its rendezvous order, the next one taking the place of one that refuses', async () => {
    const s = await shard('placed by hash');
    const order = rendezvousOrder(s.hash, fakeTree(10).ids.map((id) => ({ id }))).map((m) => m.id);
    const tree = fakeTree(10, new Set([order[1]!]));
    const app = await appFor(order[9]!, tree);
    const holders = await app.place(s.hash, s.bytes, 3, []);
    expect([...holders].sort()).toEqual([order[0], order[2], order[3]].sort());
  });

  it('gets a shard it does not hold with one request, to the relay that ranks first for it', async () => {
    const s = await shard('one hop');
    const tree = fakeTree(10);
    const order = rendezvousOrder(s.hash, tree.ids.map((id) => ({ id }))).map((m) => m.id);
    for (const id of order.slice(0, 3)) tree.held.get(id)!.set(s.hash, s.bytes);
    const app = await appFor(outsider(s.hash, tree), tree);
    expect(toHex(await app.find(s.hash))).toBe(toHex(s.bytes));
    expect(tree.calls).toEqual([{ to: order[0], type: GET }]);
  });

  it('still finds a shard stored elsewhere (before the membership changed) by asking the other members', async () => {
    const s = await shard('placed under another membership');
    const tree = fakeTree(10);
    const order = rendezvousOrder(s.hash, tree.ids.map((id) => ({ id }))).map((m) => m.id);
    tree.held.get(order[8]!)!.set(s.hash, s.bytes);
    const app = await appFor(order[9]!, tree);
    expect(toHex(await app.find(s.hash))).toBe(toHex(s.bytes));
    // The computed holders first (each says at once that it has nothing), then the search.
    expect(tree.calls.slice(0, 3).map((c) => c.to)).toEqual(order.slice(0, 3));
    expect(tree.calls.map((c) => c.to)).toContain(order[8]);
  });

  it('fails with NOT_FOUND when no relay holds the shard', async () => {
    const s = await shard('nowhere');
    const tree = fakeTree(6);
    const app = await appFor(tree.ids[0]!, tree);
    await expect(app.find(s.hash)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
