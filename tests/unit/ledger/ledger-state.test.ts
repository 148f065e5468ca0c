import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { readRecord, recordId, signRecord, verifyRecord, type LedgerRecord } from '../../../core/ledger/record.ts';
import {
  admit,
  append,
  applyEntry,
  emptyLedger,
  verifyLedger,
  type LedgerEntry,
  type LedgerState,
} from '../../../core/ledger/ledger-state.ts';
import { signEntry, type PinProof } from '../../../core/ledger/entry.ts';
import { signPin } from '../../../core/storage/pin.ts';

const ASSET = 'ab'.repeat(32);
let alice: Identity;
let bob: Identity;
let carol: Identity;
let root: Identity;
const hex = (id: Identity) => Buffer.from(id.publicKey).toString('hex');

beforeAll(async () => {
  [alice, bob, carol, root] = (await Promise.all(
    [0, 1, 2, 3].map(async () => (await generateIdentity()).identity),
  )) as [Identity, Identity, Identity, Identity];
});

/** The author's signed pin of the asset's manifest shard: what a first registration must carry. */
async function pinOf(who: Identity, asset: string): Promise<PinProof> {
  const p = await signPin(who, 'pin', asset, 1);
  return { ts: p.ts, sig: p.sig };
}

/** Sequences records as a root does: each register with its author's pin, each entry signed by `root`. */
async function sequence(records: LedgerRecord[]): Promise<{ state: LedgerState; entries: LedgerEntry[] }> {
  let state = emptyLedger();
  const entries: LedgerEntry[] = [];
  for (const r of records) {
    const proof =
      r.kind === 'register'
        ? await pinOf(r.author === hex(alice) ? alice : r.author === hex(bob) ? bob : carol, r.asset)
        : null;
    const id = await admit(state, r, proof);
    const next = await append(state, r, id, proof);
    state = next.state;
    entries.push({ ...next.entry, ...(await signEntry(root, next.entry)) });
  }
  return { state, entries };
}

describe('ledger records', () => {
  it('are signed over a fixed layout and survive a JSON round trip', async () => {
    const r = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: 'my photo' }, 1);
    const back = readRecord(JSON.parse(JSON.stringify(r)));
    expect(await verifyRecord(back)).toBe(true);
    expect(await recordId(back)).toBe(await recordId(r));
    expect(await verifyRecord({ ...back, note: 'changed' })).toBe(false);
  });

  it('refuse malformed shapes', () => {
    expect(() =>
      readRecord({ v: 1, kind: 'steal', asset: ASSET, author: 'ab'.repeat(32), ts: 1, sig: 'ab'.repeat(64), note: '' }),
    ).toThrow(/kind/);
    expect(() => readRecord(null)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});

describe('ledger state', () => {
  it('follows register → transfer → transfer, tracking the owner and the head', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const t1 = await signRecord(
      alice,
      { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(bob), note: '' },
      2,
    );
    const t2 = await signRecord(
      bob,
      { kind: 'transfer', asset: ASSET, prev: await recordId(t1), to: hex(carol), note: '' },
      3,
    );
    const { state, entries } = await sequence([reg, t1, t2]);
    expect(state.seq).toBe(3);
    expect(state.assets.get(ASSET)).toEqual({ head: await recordId(t2), owner: hex(carol), records: 3 });
    const verified = await verifyLedger(entries);
    expect(verified.ok).toBe(true);
  });

  it('refuses a double transfer: the first in sequence wins, the second conflicts', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const toBob = await signRecord(
      alice,
      { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(bob), note: '' },
      2,
    );
    const toCarol = await signRecord(
      alice,
      { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(carol), note: '' },
      3,
    );
    const { state } = await sequence([reg, toBob]);
    await expect(admit(state, toCarol, null)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses transfers and notes by anyone but the owner, and re-registration', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const { state } = await sequence([reg]);
    const theft = await signRecord(
      bob,
      { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(bob), note: '' },
      2,
    );
    await expect(admit(state, theft, null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const note = await signRecord(
      bob,
      { kind: 'annotate', asset: ASSET, prev: await recordId(reg), to: null, note: 'mine now' },
      2,
    );
    await expect(admit(state, note, null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const again = await signRecord(bob, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 3);
    await expect(admit(state, again, await pinOf(bob, ASSET))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(admit(state, reg, await pinOf(alice, ASSET))).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('rejects a tampered, reordered or forged entry when applying or verifying a copy', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const note = await signRecord(
      alice,
      { kind: 'annotate', asset: ASSET, prev: await recordId(reg), to: null, note: 'framed' },
      2,
    );
    const other = await signRecord(
      bob,
      { kind: 'register', asset: 'cd'.repeat(32), prev: null, to: null, note: '' },
      3,
    );
    const { entries } = await sequence([reg, note, other]);
    const tampered = entries.map((e) => (e.seq === 2 ? { ...e, record: { ...e.record, note: 'forged' } } : e));
    expect(await verifyLedger(tampered)).toMatchObject({ ok: false, seq: 2 });
    const reordered = [entries[0]!, { ...entries[2]!, seq: 2 }, { ...entries[1]!, seq: 3 }];
    expect(await verifyLedger(reordered)).toMatchObject({ ok: false, seq: 2 });
    await expect(applyEntry(emptyLedger(), entries[1]!)).rejects.toMatchObject({ code: 'CONFLICT' });
    const wrongChain = { ...entries[0]!, chain: 'ff'.repeat(32) };
    await expect(applyEntry(emptyLedger(), wrongChain)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    // Even signed by the sequencer, a chain hash that is not what the relay computes is refused.
    const resigned = { ...wrongChain, ...(await signEntry(root, wrongChain)) };
    await expect(applyEntry(emptyLedger(), resigned)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });
});

describe('who may register an asset first', () => {
  it("is the key that pinned its manifest: a register without that key's pin is refused", async () => {
    const reg = await signRecord(bob, { kind: 'register', asset: ASSET, prev: null, to: null, note: 'mine now' }, 1);
    await expect(admit(emptyLedger(), reg, null)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Alice pinned (uploaded) the manifest; her pin does not let Bob register it.
    await expect(admit(emptyLedger(), reg, await pinOf(alice, ASSET))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Bob's pin of another shard does not either.
    await expect(admit(emptyLedger(), reg, await pinOf(bob, 'ef'.repeat(32)))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await admit(emptyLedger(), reg, await pinOf(bob, ASSET))).toBe(await recordId(reg));
  });

  it('is checked again by every relay: an entry whose register carries no valid pin is rejected', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const { entries } = await sequence([reg]);
    const unsigned = { ...entries[0]!, proof: null };
    const resigned = { ...unsigned, ...(await signEntry(root, unsigned)) };
    await expect(applyEntry(emptyLedger(), resigned)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('ledger entries', () => {
  it("are signed by their sequencer: a changed entry or another key's signature is rejected", async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const { entries } = await sequence([reg]);
    expect(await verifyLedger(entries)).toMatchObject({ ok: true });
    const claimedByBob = { ...entries[0]!, by: hex(bob) };
    await expect(applyEntry(emptyLedger(), claimedByBob)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    const otherProof = { ...entries[0]!, proof: await pinOf(alice, ASSET).then((p) => ({ ...p, ts: 2 })) };
    await expect(applyEntry(emptyLedger(), otherProof)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
  });
});
