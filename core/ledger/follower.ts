// Following the ledger, as pure decisions: where an entry signed by a root stands against what a relay holds,
// and which prefix of a catch-up it may keep. The relay shell (node-relay/ledger/ledger-app.ts) fetches pages,
// keeps what these functions accept, records conflicts and counts; nothing here does I/O, keeps time or state.
//
// The trust rule of a catch-up (docs/ledger.md): an entry signed by a root the relay knows vouches for itself and,
// through its chain hash, for every entry before it; a root's signed head vouches for the chain up to it. Entries
// signed by roots the relay never saw, and vouched for by nobody, are not kept (they are "unvouched").
import { PeerTreeError, toPeerTreeError } from '../errors.ts';
import { entrySignedBy, verifyHead, type LedgerHead } from './entry.ts';
import { applyEntry, chainOf, GENESIS_CHAIN, type LedgerEntry, type LedgerState } from './ledger-state.ts';
import { recordId } from './record.ts';

/** What a relay holds at a sequence number (from its store). */
export interface HeldEntry {
  readonly id: string;
  readonly chain: string;
}

/** What a relay holds where a conflicting entry was offered: at `seq` (or just before it, for a broken chain). */
export interface HeldAtConflict {
  readonly seq: number;
  readonly id: string | null;
  readonly chain: string;
}

/** A different entry at a held sequence number, or one that does not extend the held chain: a fork. */
export interface Fork {
  readonly entry: LedgerEntry;
  readonly held: HeldAtConflict;
}

export type Placement = 'held' | 'next' | 'ahead' | { readonly fork: Fork };

/** The message a fork is refused with, on every path (live or catch-up). */
export function forkError(entry: LedgerEntry): PeerTreeError {
  return new PeerTreeError('CONFLICT', `ledger fork: entry ${entry.seq} differs from the one this relay holds`);
}

/** Whether `entry` (signed by a known root, seq and chain as its root sent them) extends a chain ending at `chain`. */
async function breaksChain(chain: string, entry: LedgerEntry): Promise<boolean> {
  return (await recordId(entry.record)) === entry.id && (await chainOf(chain, entry.seq, entry.id)) !== entry.chain;
}

/**
 * Where an entry signed by a known root stands: the same entry again is 'held'; one right after the held
 * chain that extends it is 'next'; one further on is 'ahead' (buffer it and catch up); a different entry at a
 * held seq, or a next one whose chain does not extend the held one, is a fork.
 */
export async function placeEntry(
  state: LedgerState,
  heldAt: (seq: number) => HeldEntry | null,
  entry: LedgerEntry,
): Promise<Placement> {
  if (entry.seq <= state.seq) {
    const held = heldAt(entry.seq);
    if (held !== null && held.id === entry.id && held.chain === entry.chain) return 'held';
    return { fork: { entry, held: { seq: entry.seq, id: held?.id ?? null, chain: held?.chain ?? GENESIS_CHAIN } } };
  }
  if (entry.seq > state.seq + 1) return 'ahead';
  if (await breaksChain(state.chain, entry))
    return { fork: { entry, held: { seq: state.seq, id: heldAt(state.seq)?.id ?? null, chain: state.chain } } };
  return 'next';
}

/** A catch-up in progress: the entries fetched so far, each with the state after it, and what vouches for them. */
export interface CatchUp {
  /** The state after the last fetched entry (the relay's own state before the first). */
  readonly state: LedgerState;
  readonly pending: readonly { readonly entry: LedgerEntry; readonly state: LedgerState }[];
  /** How many of `pending` are vouched for by an entry of a known root. */
  readonly covered: number;
  /** The latest verified head signed by a known root. */
  readonly vouch: LedgerHead | null;
  /** No further page is worth asking for (end reached, a gap, or an entry refused). */
  readonly done: boolean;
}

export function startCatchUp(state: LedgerState): CatchUp {
  return { state, pending: [], covered: 0, vouch: null, done: false };
}

/** What one page did: the catch-up after it, a fork it revealed, and an entry it refused. */
export interface PageResult {
  readonly catchUp: CatchUp;
  readonly fork: Fork | null;
  /** The refused entry's seq and why; `counted` is false for a refusal that proves nothing (see foldPage). */
  readonly refused: { readonly seq: number; readonly error: PeerTreeError; readonly counted: boolean } | null;
}

/**
 * Folds one page of entries (and the head its sender vouched with) into a catch-up. `known` tells whether a
 * sequencer key is a root this relay knows; `heldIdAt` what it holds at a seq (named in a fork). A refused entry
 * ends the catch-up; an asset conflict (CONFLICT) in an entry of an unknown sequencer is not counted as a
 * rejection, since a forger's chain is expected to disagree.
 */
export async function foldPage(
  c: CatchUp,
  page: { readonly entries: readonly LedgerEntry[]; readonly vouch: LedgerHead | null },
  known: (key: string) => boolean,
  heldIdAt: (seq: number) => string | null,
): Promise<PageResult> {
  let { state, covered, vouch } = c;
  const pending = [...c.pending];
  if (page.vouch !== null && known(page.vouch.by) && (await verifyHead(page.vouch))) vouch = page.vouch;
  const result = (done: boolean, fork: Fork | null = null, refused: PageResult['refused'] = null): PageResult => ({
    catchUp: { state, pending, covered, vouch, done },
    fork,
    refused,
  });
  if (page.entries.length === 0) return result(true);
  for (const e of page.entries) {
    if (e.seq !== state.seq + 1) return result(true);
    const isKnown = known(e.by);
    if (isKnown && (await entrySignedBy(e, e.by, e.sig)) && (await breaksChain(state.chain, e))) {
      const fork = {
        entry: e,
        held: { seq: state.seq, id: pending.at(-1)?.entry.id ?? heldIdAt(state.seq), chain: state.chain },
      };
      return result(true, fork, { seq: e.seq, error: forkError(e), counted: true });
    }
    try {
      state = await applyEntry(state, e);
    } catch (err) {
      const error = toPeerTreeError(err);
      return result(true, null, { seq: e.seq, error, counted: error.code !== 'CONFLICT' || isKnown });
    }
    pending.push({ entry: e, state });
    if (isKnown || (vouch !== null && vouch.seq === e.seq && vouch.chain === e.chain)) covered = pending.length;
  }
  return result(false);
}

/** The entries of a finished catch-up to keep (the vouched prefix, in order) and how many were left unvouched. */
export function keptPrefix(c: CatchUp): { kept: CatchUp['pending']; unvouched: number } {
  let covered = c.covered;
  const vouch = c.vouch;
  if (vouch !== null) {
    const at = c.pending.findIndex((p) => p.entry.seq === vouch.seq);
    if (at >= 0 && c.pending[at]!.entry.chain === vouch.chain) covered = Math.max(covered, at + 1);
  }
  return { kept: c.pending.slice(0, covered), unvouched: c.pending.length - covered };
}
