import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { readRecord, recordId, signRecord, verifyRecord, type LedgerRecord } from '../../../core/ledger/record.ts';
import { admit, append, applyEntry, emptyLedger, verifyLedger, type LedgerEntry, type LedgerState } from '../../../core/ledger/ledger-state.ts';

const ASSET = 'ab'.repeat(32);
let alice: Identity;
let bob: Identity;
let carol: Identity;
const hex = (id: Identity) => Buffer.from(id.publicKey).toString('hex');

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([0, 1, 2].map(async () => (await generateIdentity()).identity)) as [Identity, Identity, Identity];
});

async function sequence(records: LedgerRecord[]): Promise<{ state: LedgerState; entries: LedgerEntry[] }> {
  let state = emptyLedger();
  const entries: LedgerEntry[] = [];
  for (const r of records) {
    const id = await admit(state, r);
    const next = await append(state, r, id);
    state = next.state;
    entries.push(next.entry);
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
    expect(() => readRecord({ v: 1, kind: 'steal', asset: ASSET, author: 'ab'.repeat(32), ts: 1, sig: 'ab'.repeat(64), note: '' })).toThrow(/kind/);
    expect(() => readRecord(null)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});

describe('ledger state', () => {
  it('follows register → transfer → transfer, tracking the owner and the head', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const t1 = await signRecord(alice, { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(bob), note: '' }, 2);
    const t2 = await signRecord(bob, { kind: 'transfer', asset: ASSET, prev: await recordId(t1), to: hex(carol), note: '' }, 3);
    const { state, entries } = await sequence([reg, t1, t2]);
    expect(state.seq).toBe(3);
    expect(state.assets.get(ASSET)).toEqual({ head: await recordId(t2), owner: hex(carol), records: 3 });
    const verified = await verifyLedger(entries);
    expect(verified.ok).toBe(true);
  });

  it('refuses a double transfer: the first in sequence wins, the second conflicts', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const toBob = await signRecord(alice, { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(bob), note: '' }, 2);
    const toCarol = await signRecord(alice, { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(carol), note: '' }, 3);
    const { state } = await sequence([reg, toBob]);
    await expect(admit(state, toCarol)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses transfers and notes by anyone but the owner, and re-registration', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const { state } = await sequence([reg]);
    const theft = await signRecord(bob, { kind: 'transfer', asset: ASSET, prev: await recordId(reg), to: hex(bob), note: '' }, 2);
    await expect(admit(state, theft)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const note = await signRecord(bob, { kind: 'annotate', asset: ASSET, prev: await recordId(reg), to: null, note: 'mine now' }, 2);
    await expect(admit(state, note)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const again = await signRecord(bob, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 3);
    await expect(admit(state, again)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(admit(state, reg)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('rejects a tampered, reordered or forged entry when applying or verifying a copy', async () => {
    const reg = await signRecord(alice, { kind: 'register', asset: ASSET, prev: null, to: null, note: '' }, 1);
    const note = await signRecord(alice, { kind: 'annotate', asset: ASSET, prev: await recordId(reg), to: null, note: 'framed' }, 2);
    const other = await signRecord(bob, { kind: 'register', asset: 'cd'.repeat(32), prev: null, to: null, note: '' }, 3);
    const { entries } = await sequence([reg, note, other]);
    const tampered = entries.map((e) => (e.seq === 2 ? { ...e, record: { ...e.record, note: 'forged' } } : e));
    expect(await verifyLedger(tampered)).toMatchObject({ ok: false, seq: 2 });
    const reordered = [entries[0]!, { ...entries[2]!, seq: 2 }, { ...entries[1]!, seq: 3 }];
    expect(await verifyLedger(reordered)).toMatchObject({ ok: false, seq: 2 });
    await expect(applyEntry(emptyLedger(), entries[1]!)).rejects.toMatchObject({ code: 'CONFLICT' });
    const wrongChain = { ...entries[0]!, chain: 'ff'.repeat(32) };
    await expect(applyEntry(emptyLedger(), wrongChain)).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
  });
});
