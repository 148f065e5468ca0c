// The library application on real relays: a head published through one relay is found through any other;
// the record is an ordinary shard that opens with the library key; a rolled-back, forged or malformed head
// is refused everywhere and counted; two devices publishing the same version: one wins, the other is told.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../core/bytes.ts';
import { generateIdentity } from '../../core/identity/index.ts';
import { addedEntry } from '../../core/library/merge.ts';
import * as M from '../../core/protocol/library-messages.ts';
import { newLibraryKey, openRecord, sealRecord, signHead, type LibraryHead } from '../../core/library/record.ts';
import { signPin } from '../../core/storage/pin.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import { getStatus, killAll, startRelayProcess, tmpDir, waitFor, type RelayProcess } from './relay-harness.ts';

const dir = tmpDir('peertree-library-');
const relays: RelayProcess[] = [];
const N = 5;

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    const args = [
      '--log-level',
      'warn',
      '--max-peers',
      '2',
      '--replicas',
      '2',
      ...(i === 0 ? [] : ['--join', relays[0]!.ready.url]),
    ];
    relays.push(await startRelayProcess(join(dir.path, `r${i}`), args, 30_000));
  }
  await waitFor(`${N} relays in one tree`, async () =>
    (await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size))).every((s) => s === N)
      ? true
      : null,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  dir.remove();
});

async function getHead(i: number, owner: string): Promise<LibraryHead | null> {
  const link = await connect(relays[i]!.ready.url);
  try {
    const reply = await link.request(M.GET, { owner }, 20_000);
    return M.readHeadReply(reply.type, reply.body, owner);
  } finally {
    link.close();
  }
}

describe('the library on relays', () => {
  it('publishes through one relay, finds through every other, refuses rollbacks and forgeries', async () => {
    const { identity } = await generateIdentity();
    const { identity: mallory } = await generateIdentity();
    const owner = toHex(identity.publicKey);
    const key = newLibraryKey();
    const cap = `pt1.${'ab'.repeat(32)}.${'A'.repeat(43)}`;
    const entries = [addedEntry({ cap, name: 'holiday.jpg', type: 'image/jpeg', size: 10, date: 1 }, 1)];

    const link = await connect(relays[1]!.ready.url, { identity });
    let h1: LibraryHead;
    let h2: LibraryHead;
    try {
      // Version 1: the record goes in as an ordinary pinned shard, then its head.
      const r1 = await sealRecord(identity, key, { version: 1, prev: null }, entries);
      await link.request(
        'shard.store',
        { hash: r1.hash, replicas: 2, pin: await signPin(identity, 'pin', r1.hash, Date.now()) },
        20_000,
        { payload: r1.bytes },
      );
      h1 = await signHead(identity, 1, r1.hash, Date.now());
      const p1 = await link.request(M.PUBLISH, { head: h1 }, 20_000);
      expect(M.readPublished(p1.type, p1.body, 1).holders).toBeGreaterThanOrEqual(2);

      // Version 2 replaces it.
      const r2 = await sealRecord(identity, key, { version: 2, prev: r1.hash }, []);
      await link.request(
        'shard.store',
        { hash: r2.hash, replicas: 2, pin: await signPin(identity, 'pin', r2.hash, Date.now()) },
        20_000,
        { payload: r2.bytes },
      );
      h2 = await signHead(identity, 2, r2.hash, Date.now());
      await link.request(M.PUBLISH, { head: h2 }, 20_000);
    } finally {
      link.close();
    }

    // Every relay finds version 2, and the record opens with the key.
    for (let i = 0; i < N; i++) expect(await getHead(i, owner), `relay ${i}`).toEqual(h2);
    const reader = await connect(relays[4]!.ready.url);
    try {
      const got = await reader.request('shard.get', { hash: h1.record }, 20_000);
      expect((await openRecord(got.payload!, key, owner)).entries).toEqual(entries);

      // Anyone may replay the old head: it is refused as a rollback on every relay.
      for (let i = 0; i < N; i++) {
        const l = await connect(relays[i]!.ready.url);
        try {
          await expect(l.request(M.PUBLISH, { head: h1 }, 20_000)).rejects.toMatchObject({ code: 'CONFLICT' });
        } finally {
          l.close();
        }
      }
      // Mallory signs a newer head for the owner's key: bad signature. Her own key's head is her own library.
      const forged = { ...(await signHead(mallory, 9, h2.record, Date.now())), owner };
      await expect(reader.request(M.PUBLISH, { head: forged }, 20_000)).rejects.toMatchObject({
        code: 'BAD_SIGNATURE',
      });
      await expect(reader.request(M.PUBLISH, { head: { ...h2, seq: 3 } }, 20_000)).rejects.toMatchObject({
        code: 'BAD_SIGNATURE',
      });
      await expect(reader.request(M.PUBLISH, { head: { owner, seq: -1 } }, 20_000)).rejects.toMatchObject({
        code: 'BAD_INPUT',
      });
      await expect(reader.request(M.GET, { owner: 'nope' }, 20_000)).rejects.toMatchObject({ code: 'BAD_INPUT' });
      // A client may not pose as a relay to plant heads.
      await expect(reader.request(M.REPLICATE, { head: h2 }, 20_000)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      reader.close();
    }
    for (let i = 0; i < N; i++) expect(await getHead(i, owner)).toEqual(h2);
    const status = await getStatus(relays[4]!.ready.url);
    const counters = (status.apps as Record<string, Record<string, number>>).library!;
    expect(counters.refused).toBeGreaterThanOrEqual(3);
    expect(counters.refusedSignature).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('of two devices publishing the same version, one wins and the other is told', async () => {
    const { identity } = await generateIdentity();
    const owner = toHex(identity.publicKey);
    const a = await signHead(identity, 1, '11'.repeat(32), 1);
    const b = await signHead(identity, 1, '22'.repeat(32), 2);
    const [la, lb] = [
      await connect(relays[2]!.ready.url, { identity }),
      await connect(relays[3]!.ready.url, { identity }),
    ];
    try {
      const first = await la.request(M.PUBLISH, { head: a }, 20_000);
      expect(first.type).toBe(M.PUBLISHED);
      await expect(lb.request(M.PUBLISH, { head: b }, 20_000)).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      la.close();
      lb.close();
    }
    for (let i = 0; i < N; i++) expect((await getHead(i, owner))?.record).toBe(a.record);
  }, 60_000);
});
