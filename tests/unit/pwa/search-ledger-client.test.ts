// The PWA's checks of what relays answer: search hits must verify (signature and id), ledger histories are
// replayed record by record (signature, id, chain, authority) before an owner is shown.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { identityFromSeed } from '../../../core/identity/index.ts';
import { recordId, signRecord } from '../../../core/ledger/record.ts';
import { memoryId, signMemory } from '../../../core/search/memory.ts';
import { replayHistory } from '../../../core/protocol/ledger-client.ts';
import { verifyHits } from '../../../core/protocol/memory-client.ts';
import { parseTags } from '../../../pwa/src/search/tags.ts';

const alice = await identityFromSeed(new Uint8Array(32).fill(1));
const bob = await identityFromSeed(new Uint8Array(32).fill(2));
const mallory = await identityFromSeed(new Uint8Array(32).fill(3));
const ASSET = 'ab'.repeat(32);

describe('verifyHits', () => {
  it('keeps verified hits in order and drops forged, altered, mis-identified and malformed ones', async () => {
    const a = await signMemory(alice, { text: 'red bicycle by the river', tags: ['bike'], ref: null }, 1000);
    const b = await signMemory(bob, { text: 'blue boat', tags: [], ref: null }, 2000);
    const idA = await memoryId(a);
    const idB = await memoryId(b);
    const raw = [
      { id: idA, score: 1, memory: a },
      { id: idB, score: 0.5, memory: { ...b, text: 'blue boat, altered by a relay' } }, // signature no longer holds
      { id: idA, score: 0.4, memory: b }, // id of another memory
      { id: idB, score: 0.3, memory: { ...b, author: toHex(mallory.publicKey) } }, // claims another author
      { id: idB, score: 0.2, memory: 'not a memory' },
      null,
      { id: idB, score: 0.1, memory: b },
      { id: idA, score: 0.05, memory: a }, // duplicate
    ];
    const { hits, dropped } = await verifyHits(raw);
    expect(hits.map((h) => h.id)).toEqual([idA, idB]);
    expect(hits[0]!.memory.text).toBe('red bicycle by the river');
    expect(dropped).toBe(5);
  });

  it('treats a non-list as no hits', async () => {
    expect(await verifyHits({ length: 3 })).toEqual({ hits: [], dropped: 0 });
    expect(await verifyHits(undefined)).toEqual({ hits: [], dropped: 0 });
  });

  it('parses comma-separated tags', () => {
    expect(parseTags(' Beach, summer 2024 ,, ')).toEqual(['Beach', 'summer 2024']);
    expect(parseTags('')).toEqual([]);
  });
});

async function chain() {
  const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: 'mine' }, 1);
  const regId = await recordId(reg);
  const note = await signRecord(alice, { kind: 'annotate', asset: ASSET, prev: regId, to: null, note: 'restored' }, 2);
  const noteId = await recordId(note);
  const give = await signRecord(
    alice,
    { kind: 'transfer', asset: ASSET, prev: noteId, to: toHex(bob.publicKey), note: '' },
    3,
  );
  const giveId = await recordId(give);
  return [
    { seq: 4, id: regId, record: reg, chain: '0'.repeat(64) },
    { seq: 9, id: noteId, record: note, chain: '0'.repeat(64) },
    { seq: 12, id: giveId, record: give, chain: '0'.repeat(64) },
  ];
}

describe('replayHistory', () => {
  it('an empty history means not registered', async () => {
    expect(await replayHistory(ASSET, [])).toEqual({ asset: ASSET, entries: [], owner: null, head: null });
  });

  it('follows register → annotate → transfer to the new owner', async () => {
    const entries = await chain();
    const h = await replayHistory(ASSET, entries);
    expect(h.owner).toBe(toHex(bob.publicKey));
    expect(h.head).toBe(entries[2]!.id);
    expect(h.entries.map((e) => [e.seq, e.record.kind])).toEqual([
      [4, 'register'],
      [9, 'annotate'],
      [12, 'transfer'],
    ]);
    // After the register only, alice owns it.
    expect((await replayHistory(ASSET, entries.slice(0, 1))).owner).toBe(toHex(alice.publicKey));
  });

  it("refuses a wrong id, a broken chain, reordering, a stranger's transfer, another asset and a missing register", async () => {
    const entries = await chain();
    await expect(replayHistory(ASSET, [{ ...entries[0]!, id: 'cd'.repeat(32) }])).rejects.toMatchObject({
      code: 'HASH_MISMATCH',
    });
    await expect(replayHistory(ASSET, [entries[0], entries[2]])).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    await expect(replayHistory(ASSET, [entries[1], entries[0]])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(replayHistory(ASSET, [entries[1]])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(replayHistory('cd'.repeat(32), entries)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const stolen = await signRecord(
      mallory,
      { kind: 'transfer', asset: ASSET, prev: entries[0]!.id, to: toHex(mallory.publicKey), note: '' },
      5,
    );
    await expect(
      replayHistory(ASSET, [entries[0], { seq: 5, id: await recordId(stolen), record: stolen }]),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const altered = { ...entries[0]!, record: { ...entries[0]!.record, note: 'changed' } };
    await expect(replayHistory(ASSET, [altered])).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    await expect(replayHistory(ASSET, 'nope')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
