// The ledger as a pure state machine: applying sequenced entries in order, refusing what breaks a chain.
//
// An entry is { seq, id, record, chain, proof, by, sig } where chain = SHA-256("peertree/ledger-chain/v1" 0x00 ‖
// previous chain ‖ u64be seq ‖ record id): the whole ledger is one hash chain, so a reordered, dropped or
// altered entry changes every chain value after it. `by` is the key of the root that sequenced the entry and
// `sig` its signature over the entry (entry.ts); which sequencers a relay accepts is the relay's policy (the
// roots of the memberships it knows), checked by the application, not here. Per asset, each record names the previous one (prev), so
// every asset's history is its own chain; the first record in sequence wins, a second transfer of the
// same head is refused (CONFLICT) on every relay alike.
import { concatBytes, fromHex, toHex, utf8, u64be } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import { PeerTreeError } from '../errors.ts';
import { entrySignedBy, proofHolds, type PinProof } from './entry.ts';
import { recordId, verifyRecord, type LedgerRecord } from './record.ts';

const CHAIN_TAG = utf8('peertree/ledger-chain/v1\u0000');
export const GENESIS_CHAIN = '0'.repeat(64);

/** An entry as the sequencer made it, before it signs it. */
export interface UnsignedEntry {
  readonly seq: number;
  readonly id: string;
  readonly record: LedgerRecord;
  readonly chain: string;
  /** For a register: the author's signed pin of the manifest shard; null otherwise. */
  readonly proof: PinProof | null;
}

export interface LedgerEntry extends UnsignedEntry {
  /** Public key (64 hex) of the root that sequenced the entry. */
  readonly by: string;
  /** Its signature over entryBytes. */
  readonly sig: string;
}

export interface AssetHead {
  /** Id of the latest record of the asset. */
  readonly head: string;
  /** Current owner's public key. */
  readonly owner: string;
  readonly records: number;
}

export interface LedgerState {
  /** Sequence number of the last entry (0 when empty). */
  readonly seq: number;
  readonly chain: string;
  readonly assets: ReadonlyMap<string, AssetHead>;
  readonly ids: ReadonlySet<string>;
}

export function emptyLedger(): LedgerState {
  return { seq: 0, chain: GENESIS_CHAIN, assets: new Map(), ids: new Set() };
}

export async function chainOf(previous: string, seq: number, id: string): Promise<string> {
  return toHex(await sha256(concatBytes(CHAIN_TAG, fromHex(previous), u64be(seq), fromHex(id))));
}

/**
 * Checks that `record` may follow the current state (signature, chain of its asset, authority). Returns
 * its id; throws BAD_SIGNATURE, CONFLICT (already recorded, or not the asset's head), FORBIDDEN (not the
 * owner, or a first registration without the author's signed pin of the manifest) or NOT_FOUND (unknown
 * asset).
 */
export async function admit(state: LedgerState, record: LedgerRecord, proof: PinProof | null): Promise<string> {
  if (!(await verifyRecord(record)))
    throw new PeerTreeError('BAD_SIGNATURE', 'ledger record signature does not verify');
  const id = await recordId(record);
  if (state.ids.has(id)) throw new PeerTreeError('CONFLICT', `record ${id.slice(0, 12)}… is already in the ledger`);
  const asset = state.assets.get(record.asset);
  if (record.kind === 'register') {
    if (asset) throw new PeerTreeError('CONFLICT', `asset ${record.asset.slice(0, 12)}… is already registered`);
    if (!(await proofHolds(record.asset, record.author, proof))) {
      throw new PeerTreeError('FORBIDDEN', 'only the key that stored (pinned) the manifest can register the asset');
    }
    return id;
  }
  if (!asset) throw new PeerTreeError('NOT_FOUND', `asset ${record.asset.slice(0, 12)}… is not registered`);
  if (record.prev !== asset.head)
    throw new PeerTreeError(
      'CONFLICT',
      `record does not follow the asset's latest record (a transfer or note came first)`,
    );
  if (record.author !== asset.owner)
    throw new PeerTreeError('FORBIDDEN', 'only the current owner can transfer or annotate an asset');
  return id;
}

/** The state after appending an admitted record as entry `seq` (which must be state.seq + 1). */
export async function append(
  state: LedgerState,
  record: LedgerRecord,
  id: string,
  proof: PinProof | null = null,
): Promise<{ state: LedgerState; entry: UnsignedEntry }> {
  const seq = state.seq + 1;
  const chain = await chainOf(state.chain, seq, id);
  const assets = new Map(state.assets);
  const prior = assets.get(record.asset);
  const owner = record.kind === 'register' ? record.author : record.kind === 'transfer' ? record.to! : prior!.owner;
  assets.set(record.asset, { head: id, owner, records: (prior?.records ?? 0) + 1 });
  const ids = new Set(state.ids);
  ids.add(id);
  return {
    state: { seq, chain, assets, ids },
    entry: { seq, id, record, chain, proof: record.kind === 'register' ? proof : null },
  };
}

/**
 * Applies an entry received from another relay: it must be the next in sequence, signed by the key it
 * names as its sequencer, its record admissible, its id and chain exactly what this relay computes. Throws
 * on any mismatch (the entry is then rejected).
 */
export async function applyEntry(state: LedgerState, entry: LedgerEntry): Promise<LedgerState> {
  if (entry.seq !== state.seq + 1)
    throw new PeerTreeError('CONFLICT', `entry ${entry.seq} is not next (have ${state.seq})`);
  if (!(await entrySignedBy(entry, entry.by, entry.sig)))
    throw new PeerTreeError('BAD_SIGNATURE', `entry ${entry.seq} is not signed by the sequencer it names`);
  if (entry.record.kind !== 'register' && entry.proof !== null)
    throw new PeerTreeError('BAD_INPUT', `entry ${entry.seq}: only a register carries a proof`);
  const id = await admit(state, entry.record, entry.proof);
  if (id !== entry.id) throw new PeerTreeError('HASH_MISMATCH', `entry ${entry.seq} has a wrong record id`);
  const next = await append(state, entry.record, id, entry.proof);
  if (next.entry.chain !== entry.chain)
    throw new PeerTreeError('HASH_MISMATCH', `entry ${entry.seq} has a wrong chain hash (tampered or reordered)`);
  return next.state;
}

/** Replays a whole copy from genesis; returns the final state or the first problem. */
export async function verifyLedger(
  entries: readonly LedgerEntry[],
): Promise<{ ok: true; state: LedgerState } | { ok: false; seq: number; error: string }> {
  let state = emptyLedger();
  for (const e of entries) {
    try {
      state = await applyEntry(state, e);
    } catch (err) {
      return { ok: false, seq: e.seq, error: err instanceof Error ? err.message : String(err) };
    }
  }
  return { ok: true, state };
}
