// The one shard client of the CLI and the PWA believes a relay's answer only once it checks out: the reply
// type, the shard it names and the holders it lists; and what it sends is the owner's own signed pin.
import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../../../core/identity/identity.ts';
import { ShardClient } from '../../../core/protocol/shard-client.ts';
import type { Requester, RequestOptions } from '../../../core/protocol/requester.ts';
import { readPin, verifyPin } from '../../../core/storage/pin.ts';
import type { Message } from '../../../core/wire/index.ts';

const HASH = 'aa'.repeat(32);
const NODE = (c: string) => c.repeat(16);

interface Sent {
  readonly type: string;
  readonly body: unknown;
  readonly options: RequestOptions | undefined;
}

/** A relay's answers, scripted: each request gets `answer(sent)` as its reply. */
function relayAnswering(
  answer: (sent: Sent) => { type: string; body: unknown; payload?: Uint8Array },
): Requester & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    request: async (type, body, _timeoutMs, options) => {
      const s = { type, body, options };
      sent.push(s);
      const a = answer(s);
      const m: Message = {
        v: 1,
        type: a.type,
        tree: '',
        from: '00'.repeat(32),
        to: null,
        id: 'cd'.repeat(16),
        ts: 0,
        body: a.body,
        fromId: NODE('a'),
        fromKey: new Uint8Array(32),
        payload: a.payload ?? null,
      };
      return m;
    },
  };
}

describe('ShardClient.storeShard', async () => {
  const { identity } = await generateIdentity();
  const owner = { identity, now: () => 1_700_000_000_000 };

  it("sends the owner's signed pin with the shard and returns the holders the relay names", async () => {
    const relay = relayAnswering(() => ({
      type: 'shard.stored',
      body: { hash: HASH, holders: [NODE('b'), NODE('c'), NODE('d')] },
    }));
    const receipt = await new ShardClient(relay, owner).storeShard(HASH, new Uint8Array([1, 2, 3]), 3);
    expect(receipt.holders).toEqual([NODE('b'), NODE('c'), NODE('d')]);
    const body = relay.sent[0]!.body as { hash: string; replicas: number; pin: unknown };
    expect(relay.sent[0]!.type).toBe('shard.store');
    expect(body).toMatchObject({ hash: HASH, replicas: 3 });
    const pin = readPin(body.pin)!;
    expect(pin).toMatchObject({ op: 'pin', hash: HASH, ts: 1_700_000_000_000 });
    expect(await verifyPin(pin)).toBe(true);
    expect(relay.sent[0]!.options?.payload).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('takes fewer holders than asked as an answer (a small tree tops up later), but none as UNAVAILABLE', async () => {
    const one = relayAnswering(() => ({ type: 'shard.stored', body: { hash: HASH, holders: [NODE('b')] } }));
    await expect(new ShardClient(one, owner).storeShard(HASH, new Uint8Array(1), 3)).resolves.toEqual({
      holders: [NODE('b')],
    });
    const none = relayAnswering(() => ({ type: 'shard.stored', body: { hash: HASH, holders: [] } }));
    await expect(new ShardClient(none, owner).storeShard(HASH, new Uint8Array(1), 3)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('refuses an answer that names another shard, another type, more holders than asked, or malformed ones', async () => {
    const answers = [
      { type: 'shard.stored', body: { hash: 'bb'.repeat(32), holders: [NODE('b')] } },
      { type: 'shard.data', body: { hash: HASH, holders: [NODE('b')] } },
      { type: 'shard.stored', body: { hash: HASH, holders: [NODE('b'), NODE('c'), NODE('d'), NODE('e')] } },
      { type: 'shard.stored', body: { hash: HASH, holders: [NODE('b'), 'not a node id'] } },
      { type: 'shard.stored', body: { hash: HASH, holders: [NODE('b'), NODE('b')] } },
      { type: 'shard.stored', body: null },
    ];
    for (const a of answers) {
      await expect(
        new ShardClient(
          relayAnswering(() => a),
          owner,
        ).storeShard(HASH, new Uint8Array(1), 3),
        JSON.stringify(a),
      ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    }
  });

  it('refuses to store without the owner key, and a replica count out of range (misuse throws before sending)', async () => {
    const relay = relayAnswering(() => ({ type: 'shard.stored', body: { hash: HASH, holders: [NODE('b')] } }));
    await expect(new ShardClient(relay).storeShard(HASH, new Uint8Array(1), 1)).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(new ShardClient(relay, owner).storeShard(HASH, new Uint8Array(1), 0)).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(new ShardClient(relay, owner).storeShard(HASH, new Uint8Array(1), 17)).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(relay.sent).toHaveLength(0);
  });
});

describe('ShardClient.fetchShard and unpin', async () => {
  const { identity } = await generateIdentity();
  const owner = { identity, now: () => 1_700_000_000_000 };

  it('returns the payload of shard.data and keeps the digest the verifier computed', async () => {
    const bytes = new Uint8Array([9, 9]);
    const digest = new Uint8Array(32).fill(7);
    const relay: Requester = {
      request: async () => ({
        v: 1,
        type: 'shard.data',
        tree: '',
        from: '',
        to: null,
        id: 'cd'.repeat(16),
        ts: 0,
        body: { hash: HASH },
        fromId: NODE('b'),
        fromKey: new Uint8Array(32),
        payload: bytes,
        payloadDigest: digest,
      }),
    };
    const client = new ShardClient(relay);
    const got = await client.fetchShard(HASH);
    expect(got).toBe(bytes);
    expect(client.digestOf(got)).toBe(digest);
  });

  it('refuses an answer of another type to a fetch', async () => {
    const relay = relayAnswering(() => ({ type: 'shard.stored', body: { hash: HASH } }));
    await expect(new ShardClient(relay).fetchShard(HASH)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it("releases with the owner's signed unpin and reads the count released", async () => {
    const relay = relayAnswering(() => ({ type: 'shard.released', body: { hash: HASH, released: 3 } }));
    await expect(new ShardClient(relay, owner).unpin(HASH)).resolves.toBe(3);
    const unpin = readPin((relay.sent[0]!.body as { unpin: unknown }).unpin)!;
    expect(unpin).toMatchObject({ op: 'unpin', hash: HASH });
    expect(await verifyPin(unpin)).toBe(true);
    const odd = relayAnswering(() => ({ type: 'shard.released', body: { released: -4 } }));
    await expect(new ShardClient(odd, owner).unpin(HASH)).resolves.toBe(0);
  });
});
