// The per-author memory quota of the search application: a relay keeps at most `memoryQuota` memories of one
// author key, refuses the next with FULL (counted), and still takes another author's.
import Database from 'better-sqlite3';
import { toHex } from '../../../core/bytes.ts';
import { describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { signMemory } from '../../../core/search/memory.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { MemoryIndex } from '../../../node-relay/search/memory-index.ts';
import { SearchApp, type SearchTree } from '../../../node-relay/search/search-app.ts';
import { HolderIndex } from '../../../node-relay/replication/holder-index.ts';
import type { Dispatcher } from '../../../node-relay/ws/dispatcher.ts';

function oneRelayApp(memoryQuota: number): { app: SearchApp; index: MemoryIndex } {
  const db = new Database(':memory:');
  const selfId = 'aaaaaaaaaaaaaaaa';
  const tree: SearchTree = {
    selfId,
    members: () => [{ id: selfId, url: 'wss://self' }],
    linkTo: () => Promise.reject(new Error('no other relay')),
    onDeparted: () => {},
    position: () => 0,
    positionedMembers: () => [{ id: selfId, position: 0 }],
    broadcast: () => {},
    onBroadcast: () => {},
  };
  const index = new MemoryIndex(db);
  const app = new SearchApp({
    dispatcher: { on: () => () => {} } as unknown as Dispatcher,
    tree,
    index,
    holders: new HolderIndex(db, 'memory_holders'),
    k: 4,
    logger: silentLogger,
    random: Math.random,
    now: Date.now,
    memoryQuota,
  });
  return { app, index };
}

const remember = async (app: SearchApp, who: Identity, text: string) =>
  app.remember(await signMemory(who, { text, tags: [], ref: null }, Date.now()), 1);

describe('SearchApp memory quota', () => {
  it('refuses an author over its memory quota, counts it, and still takes another author', async () => {
    const { app, index } = oneRelayApp(2);
    const { identity: alice } = await generateIdentity();
    const { identity: bob } = await generateIdentity();
    try {
      await remember(app, alice, 'first note');
      await remember(app, alice, 'second note');
      await expect(remember(app, alice, 'third note')).rejects.toMatchObject({
        code: 'FULL',
        message: expect.stringMatching(/memory quota of key [0-9a-f]{12}… is used up on this relay \(2 memories\)/),
      });
      expect(app.counters.memoryQuotaRefused).toBe(1);
      expect(index.countOf(toHex(alice.publicKey))).toBe(2);
      await remember(app, bob, 'a note of bob');
      expect(index.size).toBe(3);
    } finally {
      app.close();
    }
  });
});
