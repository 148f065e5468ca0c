// Following the ledger: a live entry is held, next, ahead or a fork; a catch-up keeps only the prefix that a
// known root's entry or signed head vouches for, and a forged or forked page changes nothing it keeps.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../../core/identity/identity.ts';
import { signEntry, signHead, type PinProof } from '../../../core/ledger/entry.ts';
import { foldPage, keptPrefix, placeEntry, startCatchUp, type CatchUp } from '../../../core/ledger/follower.ts';
import { admit, append, emptyLedger, type LedgerEntry, type LedgerState } from '../../../core/ledger/ledger-state.ts';
import { signRecord } from '../../../core/ledger/record.ts';
import { signPin } from '../../../core/storage/pin.ts';

let alice: Identity;
let root: Identity;
let stranger: Identity;
const hex = (id: Identity) => Buffer.from(id.publicKey).toString('hex');

beforeAll(async () => {
  [alice, root, stranger] = (await Promise.all([0, 1, 2].map(async () => (await generateIdentity()).identity))) as [
    Identity,
    Identity,
    Identity,
  ];
});

/** `n` registrations by alice (assets a0…), sequenced and signed by `by`, from `state` on. */
async function registrations(
  n: number,
  by: Identity,
  state: LedgerState = emptyLedger(),
  salt = 0,
): Promise<{ state: LedgerState; entries: LedgerEntry[] }> {
  const entries: LedgerEntry[] = [];
  const first = state.seq;
  for (let i = 0; i < n; i++) {
    const asset = (salt * 100 + first + i).toString(16).padStart(64, 'a');
    const record = await signRecord(alice, { kind: 'register', asset, prev: null, to: null, note: '' }, 1);
    const pin = await signPin(alice, 'pin', asset, 1);
    const proof: PinProof = { ts: pin.ts, sig: pin.sig };
    const id = await admit(state, record, proof);
    const next = await append(state, record, id, proof);
    state = next.state;
    entries.push({ ...next.entry, ...(await signEntry(by, next.entry)) });
  }
  return { state, entries };
}

const knowsRoot = (key: string) => key === hex(root);
const heldNothing = () => null;

/** Folds pages into a catch-up from `state` and returns it finished. */
async function fold(state: LedgerState, pages: Parameters<typeof foldPage>[1][]): Promise<CatchUp> {
  let c = startCatchUp(state);
  for (const p of pages) c = (await foldPage(c, p, knowsRoot, heldNothing)).catchUp;
  return c;
}

describe('a live entry from a known root', () => {
  it('is held when this relay has the same entry, next when it extends the chain, ahead past a gap', async () => {
    const { state, entries } = await registrations(3, root);
    const two = await registrations(2, root);
    const held = (seq: number) => entries[seq - 1] ?? null;
    expect(await placeEntry(two.state, held, entries[0]!)).toBe('held');
    expect(await placeEntry(two.state, held, entries[2]!)).toBe('next');
    expect(await placeEntry(emptyLedger(), held, entries[2]!)).toBe('ahead');
    expect(state.seq).toBe(3);
  });

  it('is a fork when it differs from the entry held at its seq, naming what is held', async () => {
    const mine = await registrations(2, root);
    const theirs = await registrations(2, root, emptyLedger(), 7);
    const held = (seq: number) => mine.entries[seq - 1] ?? null;
    const placed = await placeEntry(mine.state, held, theirs.entries[1]!);
    expect(placed).toMatchObject({
      fork: { held: { seq: 2, id: mine.entries[1]!.id, chain: mine.entries[1]!.chain } },
    });
  });

  it('is a fork when it comes next but its chain does not extend the held one', async () => {
    const mine = await registrations(1, root);
    const other = await registrations(2, root, emptyLedger(), 5);
    const placed = await placeEntry(mine.state, (s) => mine.entries[s - 1] ?? null, other.entries[1]!);
    expect(placed).toMatchObject({ fork: { held: { seq: 1, chain: mine.state.chain } } });
  });
});

describe('a catch-up', () => {
  it('keeps every entry signed by a known root, in order', async () => {
    const { entries, state } = await registrations(4, root);
    const c = await fold(emptyLedger(), [
      { entries: entries.slice(0, 2), vouch: null },
      { entries: entries.slice(2), vouch: null },
      { entries: [], vouch: null },
    ]);
    const { kept, unvouched } = keptPrefix(c);
    expect(kept.map((p) => p.entry.seq)).toEqual([1, 2, 3, 4]);
    expect(kept.at(-1)!.state.chain).toBe(state.chain);
    expect(unvouched).toBe(0);
    expect(c.done).toBe(true);
  });

  it('keeps nothing a stranger signed unless a known root vouches for it with its signed head', async () => {
    const { entries, state } = await registrations(3, stranger);
    const unvouched = keptPrefix(await fold(emptyLedger(), [{ entries, vouch: null }]));
    expect(unvouched).toMatchObject({ kept: [], unvouched: 3 });
    const head = await signHead(root, 2, entries[1]!.chain, 1);
    const vouched = keptPrefix(await fold(emptyLedger(), [{ entries, vouch: head }]));
    expect(vouched.kept.map((p) => p.entry.seq)).toEqual([1, 2]);
    expect(vouched.unvouched).toBe(1);
    // A head signed by the stranger itself vouches for nothing.
    const self = await signHead(stranger, 3, state.chain, 1);
    expect(keptPrefix(await fold(emptyLedger(), [{ entries, vouch: self }])).kept).toEqual([]);
  });

  it('stops at a fork of a known root, keeps what came before, and reports the fork', async () => {
    const base = await registrations(2, root);
    const good = await registrations(1, root, base.state);
    const forked = await registrations(1, root, emptyLedger(), 9);
    const bad = { ...forked.entries[0]!, seq: 3 };
    const resigned = { ...bad, ...(await signEntry(root, bad)) };
    const r = await foldPage(
      startCatchUp(emptyLedger()),
      { entries: [...base.entries, resigned, ...good.entries], vouch: null },
      knowsRoot,
      heldNothing,
    );
    expect(r.fork).toMatchObject({ held: { seq: 2, id: base.entries[1]!.id, chain: base.state.chain } });
    expect(r.refused).toMatchObject({ seq: 3, counted: true, error: { code: 'CONFLICT' } });
    expect(keptPrefix(r.catchUp).kept.map((p) => p.entry.seq)).toEqual([1, 2]);
    expect(r.catchUp.done).toBe(true);
  });

  it('stops at a gap and at a tampered entry, keeping the prefix before it', async () => {
    const { entries } = await registrations(4, root);
    const gap = await fold(emptyLedger(), [{ entries: [entries[0]!, entries[2]!, entries[3]!], vouch: null }]);
    expect(keptPrefix(gap).kept.map((p) => p.entry.seq)).toEqual([1]);
    const tampered = { ...entries[1]!, sig: '00'.repeat(64) };
    const r = await foldPage(
      startCatchUp(emptyLedger()),
      { entries: [entries[0]!, tampered], vouch: null },
      knowsRoot,
      heldNothing,
    );
    expect(r.refused).toMatchObject({ seq: 2, counted: true, error: { code: 'BAD_SIGNATURE' } });
    expect(keptPrefix(r.catchUp).kept).toHaveLength(1);
  });
});
