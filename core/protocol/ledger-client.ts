// The client side of the ledger, for the PWA and the CLI alike: an asset's history (checked here, record by
// record), and signed register / transfer / annotate submissions. The relay's word is never taken for who owns
// an asset: the history is replayed here with core's record checks.
import { PeerTreeError } from '../errors.ts';
import { CLIENT_REQUEST_TIMEOUT_MS, MAX_LEDGER_PAGE } from '../limits.ts';
import {
  readRecord,
  recordId,
  signRecord,
  verifyRecord,
  type LedgerRecord,
  type RecordKind,
} from '../ledger/record.ts';
import { parseCapability } from '../storage/capability.ts';
import { ACCEPTED, ENTRIES, HISTORY, SUBMIT } from './ledger-messages.ts';
import { expectReply, replyBody } from './replies.ts';
import type { Requester } from './requester.ts';
import { ShardClient, type OwnerKey } from './shard-client.ts';
import { verifyShard } from '../storage/file-codec.ts';

const HEX64 = /^[0-9a-f]{64}$/;

export interface HistoryEntry {
  readonly seq: number;
  readonly id: string;
  readonly record: LedgerRecord;
}

export interface AssetHistory {
  readonly asset: string;
  readonly entries: readonly HistoryEntry[];
  /** Current owner's public key (hex), or null when the asset is not registered. */
  readonly owner: string | null;
  /** Id of the latest record: what the next transfer or note must name as `prev`. */
  readonly head: string | null;
}

/** The asset a capability names: its manifest hash. Throws BAD_INPUT for text that is not a capability. */
export function assetOf(capability: string): string {
  return parseCapability(capability).manifest;
}

/** True when `capability` names `asset`; false for text that is not a capability. */
export function namesAsset(capability: string, asset: string): boolean {
  try {
    return assetOf(capability) === asset;
  } catch {
    return false;
  }
}

export function isPublicKeyHex(text: string): boolean {
  return HEX64.test(text);
}

/**
 * Replays an asset's entries as core's ledger does: every record must verify, carry the id the relay gave it,
 * belong to this asset, come in sequence order, start with a register, name the previous record, and be
 * written by the owner of the moment. Throws HASH_MISMATCH / BAD_SIGNATURE / BAD_INPUT at the first problem.
 */
export async function replayHistory(asset: string, rawEntries: unknown): Promise<AssetHistory> {
  if (!Array.isArray(rawEntries) || rawEntries.length > MAX_LEDGER_PAGE)
    throw new PeerTreeError('BAD_INPUT', 'ledger history: entries');
  const entries: HistoryEntry[] = [];
  let owner: string | null = null;
  let head: string | null = null;
  let lastSeq = 0;
  for (const raw of rawEntries) {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as { seq?: unknown; id?: unknown; record?: unknown };
    if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq <= lastSeq)
      throw new PeerTreeError('BAD_INPUT', 'ledger history: entries out of sequence');
    const record = readRecord(e.record);
    if (record.asset !== asset)
      throw new PeerTreeError('BAD_INPUT', `ledger history: entry ${e.seq} is about another asset`);
    if (!(await verifyRecord(record)))
      throw new PeerTreeError('BAD_SIGNATURE', `ledger history: entry ${e.seq} is not signed by its author`);
    const id = await recordId(record);
    if (id !== e.id) throw new PeerTreeError('HASH_MISMATCH', `ledger history: entry ${e.seq} has a wrong id`);
    if (owner === null) {
      if (record.kind !== 'register')
        throw new PeerTreeError('BAD_INPUT', 'ledger history: does not start with a register');
      owner = record.author;
    } else {
      if (record.kind === 'register')
        throw new PeerTreeError('BAD_INPUT', `ledger history: entry ${e.seq} registers the asset again`);
      if (record.prev !== head)
        throw new PeerTreeError('HASH_MISMATCH', `ledger history: entry ${e.seq} does not follow the previous record`);
      if (record.author !== owner)
        throw new PeerTreeError('FORBIDDEN', `ledger history: entry ${e.seq} is not by the owner of the moment`);
      if (record.kind === 'transfer') owner = record.to;
    }
    head = id;
    lastSeq = e.seq;
    entries.push({ seq: e.seq, id, record });
  }
  return { asset, entries, owner, head };
}

/** `ledger.history {asset}` → the asset's checked history. */
export async function fetchHistory(requester: Requester, asset: string): Promise<AssetHistory> {
  const reply = await requester.request(HISTORY, { asset }, CLIENT_REQUEST_TIMEOUT_MS);
  expectReply(HISTORY, reply, ENTRIES);
  return replayHistory(asset, replyBody(HISTORY, reply.body).entries);
}

export interface Submission {
  readonly kind: RecordKind;
  /** Required for transfer: the new owner's public key (64 hex). */
  readonly to?: string | null;
  readonly note?: string;
}

/**
 * Signs a record now against the history just read (`prev` = its head) and submits it (a registration with the
 * asset's manifest shard, fetched from the relays and checked against the asset hash first). Resolves with the
 * sequence number; the relay refuses with CONFLICT (the head moved, or already registered) or FORBIDDEN.
 */
export async function submitRecord(
  requester: Requester,
  owner: OwnerKey,
  history: AssetHistory,
  s: Submission,
): Promise<{ seq: number; id: string }> {
  // A registration carries the asset's manifest shard, whose signed author the root compares with the record's.
  const manifest = s.kind === 'register' ? await new ShardClient(requester).fetchShard(history.asset) : null;
  if (manifest !== null) await verifyShard(history.asset, manifest);
  const to = s.kind === 'transfer' ? (s.to ?? '').trim().toLowerCase() : null;
  if (s.kind === 'transfer' && !isPublicKeyHex(to ?? ''))
    throw new PeerTreeError('BAD_INPUT', 'the new owner must be a public key: 64 hex characters');
  const prev = s.kind === 'register' ? null : history.head;
  if (s.kind !== 'register' && prev === null) throw new PeerTreeError('NOT_FOUND', 'the asset is not registered');
  const record = await signRecord(
    owner.identity,
    { kind: s.kind, asset: history.asset, prev, to, note: s.note ?? '' },
    owner.now(),
  );
  const reply = await requester.request(
    SUBMIT,
    { record },
    CLIENT_REQUEST_TIMEOUT_MS,
    manifest ? { payload: manifest } : {},
  );
  expectReply(SUBMIT, reply, ACCEPTED);
  const body = replyBody(SUBMIT, reply.body);
  if (typeof body.seq !== 'number' || !Number.isSafeInteger(body.seq) || body.id !== (await recordId(record)))
    throw new PeerTreeError('BAD_INPUT', `the answer to ${SUBMIT} names another record`);
  return { seq: body.seq, id: body.id };
}
