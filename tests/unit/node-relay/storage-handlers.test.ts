// A client's release through the relay it asks (shard.unpin, not local), with fake peers: it reports how many
// relays likely to keep a copy did not answer, and when nothing was released and some of those did not answer,
// it says the relays are not available (try again later), not that there is nothing to release.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { RELEASED, UNPIN } from '../../../core/protocol/shard-messages.ts';
import { MemoryShardStore } from '../../../core/storage/memory-shard-store.ts';
import { signPin } from '../../../core/storage/pin.ts';
import { rendezvousOrder } from '../../../core/storage/placement.ts';
import type { Message } from '../../../core/wire/index.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { HolderIndex } from '../../../node-relay/replication/holder-index.ts';
import { PinIndex } from '../../../node-relay/replication/pin-index.ts';
import { StorageApp } from '../../../node-relay/storage/storage-app.ts';
import type { Dispatcher } from '../../../node-relay/ws/dispatcher.ts';
import type { Link } from '../../../node-relay/ws/link.ts';

const HASH = 'ab'.repeat(32);
type Handler = (m: Message, link: Link) => Promise<void>;

/**
 * A tree of 8 fake relays; `holding` answer a local release with released 1, the others with 0, and `down` never
 * answer (a connection failure, not a refusal). The app runs as the last relay in HASH's rendezvous order.
 */
function releaseTree(holding: (order: string[]) => string[], down: (order: string[]) => string[]) {
  const ids = Array.from({ length: 8 }, (_, i) => `relay-${i}`);
  const order = rendezvousOrder(
    HASH,
    ids.map((id) => ({ id })),
  ).map((m) => m.id);
  const held = new Set(holding(order));
  const gone = new Set(down(order));
  const handlers = new Map<string, Handler>();
  const app = new StorageApp({
    dispatcher: {
      on: (type: string, h: Handler) => (handlers.set(type, h), () => {}),
    } as unknown as Dispatcher,
    store: new MemoryShardStore(),
    holders: new HolderIndex(new Database(':memory:')),
    pins: new PinIndex(new Database(':memory:')),
    peers: {
      selfId: order[7]!,
      members: () => ids.map((id) => ({ id, url: `wss://${id}` })),
      linkTo: async (id) => {
        if (gone.has(id)) throw new PeerTreeError('UNAVAILABLE', `relay ${id} cannot be reached`);
        return {
          peerId: id,
          request: async (type: string) => {
            expect(type).toBe(UNPIN);
            return { type: RELEASED, body: { hash: HASH, released: held.has(id) ? 1 : 0 } } as unknown as Message;
          },
        } as unknown as Link;
      },
      onDeparted: () => {},
    },
    logger: silentLogger,
  });
  return { app, handlers };
}

async function clientRelease(handlers: Map<string, Handler>) {
  const { identity: owner } = await generateIdentity();
  const unpin = await signPin(owner, 'unpin', HASH, Date.now());
  const replies: { type: string; body: unknown }[] = [];
  const link = {
    peerId: owner.id,
    reply: async (_m: Message, type: string, body: unknown) => void replies.push({ type, body }),
  } as unknown as Link;
  const m = { type: UNPIN, body: { unpin }, fromKey: owner.publicKey, fromId: owner.id } as unknown as Message;
  await handlers.get(UNPIN)!(m, link);
  return replies[0]!.body;
}

describe('a client release', () => {
  it('says how many of the relays likely to keep a copy did not answer', async () => {
    const { handlers } = releaseTree(
      (order) => order.slice(0, 3),
      (order) => [order[2]!],
    );
    expect(await clientRelease(handlers)).toEqual({ hash: HASH, released: 2, unreached: 1 });
  });

  it('does not count a relay that does not answer far down the order, where no copy is expected', async () => {
    const { handlers } = releaseTree(
      (order) => order.slice(0, 3),
      (order) => [order[4]!],
    );
    expect(await clientRelease(handlers)).toEqual({ hash: HASH, released: 3 });
  });

  it('answers UNAVAILABLE, not FORBIDDEN, when nothing was released and relays that may keep it did not answer', async () => {
    const { handlers } = releaseTree(
      () => [],
      (order) => order.slice(0, 3),
    );
    await expect(clientRelease(handlers)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('3 did not answer; try again later') as unknown as string,
    });
  });

  it('answers FORBIDDEN when every relay that may keep it answered and none held a pin', async () => {
    const { handlers } = releaseTree(
      () => [],
      () => [],
    );
    await expect(clientRelease(handlers)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
