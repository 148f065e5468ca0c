// Signed membership records. Each epoch is one record signed by its sequencer over a fixed byte layout
// (domain tag peertree/epoch/v1) and chained to the previous epoch by SHA-256; a takeover record also
// carries signed suspicions (peertree/suspect/v1) from the relays that saw the removed member silent.
import { fromHex, toHex } from '../bytes.ts';
import { RecordWriter } from './record-bytes.ts';
import type { TreeEnv } from './tree-env.ts';
import type { MembershipOp, NodeRef } from './types.ts';

export const EPOCH_TAG = 'peertree/epoch/v1';
export const SUSPECT_TAG = 'peertree/suspect/v1';
/** The `p` of a genesis record: no previous epoch. */
export const GENESIS_PREV = '0'.repeat(64);

/** One relay's signed statement: at version (t, e, d) it has not heard `of` for a whole time-out. */
export interface Suspicion {
  readonly of: string;
  readonly by: string;
  readonly sig: string;
}

export interface EpochRecord {
  /** Tree id. */
  readonly t: string;
  /** The epoch this record makes. */
  readonly e: number;
  /** SHA-256 (hex) of the record of epoch e − 1, or GENESIS_PREV. */
  readonly p: string;
  readonly ops: readonly MembershipOp[];
  /** Node id of the signer. */
  readonly by: string;
  /** Evidence for a takeover (empty otherwise). */
  readonly ev: readonly Suspicion[];
  /** Ed25519 signature (hex) over recordBytes. */
  readonly sig: string;
}

export type UnsignedRecord = Omit<EpochRecord, 'sig'>;

function writeRef(w: RecordWriter, ref: NodeRef): void {
  w.str(ref.id).str(ref.url).hex(ref.key, 32);
}

/** The exact bytes a sequencer signs for a record. */
export function recordBytes(r: UnsignedRecord): Uint8Array {
  const w = new RecordWriter(EPOCH_TAG).str(r.t).u64(r.e).hex(r.p, 32).u16(r.ops.length);
  for (const op of r.ops) {
    if (op.op === 'add') {
      w.u8(1);
      writeRef(w, op.ref);
      w.str(op.adm);
    } else {
      w.u8(op.reason === 'left' ? 2 : 3);
      writeRef(w, op.ref);
      w.u32(op.at);
    }
  }
  w.str(r.by).u16(r.ev.length);
  for (const s of r.ev) w.str(s.of).str(s.by).hex(s.sig, 64);
  return w.bytes();
}

const hashCache = new WeakMap<EpochRecord, string>();

/** The chain hash of a record: SHA-256 of its signed bytes, hex. Memoised per record object. */
export function recordHash(env: TreeEnv, r: EpochRecord): string {
  let h = hashCache.get(r);
  if (h === undefined) {
    h = toHex(env.sha256(recordBytes(r)));
    hashCache.set(r, h);
  }
  return h;
}

export function signRecord(env: TreeEnv, r: UnsignedRecord): EpochRecord {
  return { ...r, sig: toHex(env.sign(recordBytes(r))) };
}

/** True when `r.sig` is the signature of `key` (hex) over the record; never throws. */
export function recordSignedBy(env: TreeEnv, r: EpochRecord, key: string): boolean {
  try {
    return env.verify(fromHex(key), recordBytes(r), fromHex(r.sig));
  } catch {
    return false;
  }
}

/** The exact bytes of a suspicion: the version it was made at, whom it names, who says it. */
export function suspicionBytes(t: string, e: number, d: string, of: string, by: string): Uint8Array {
  return new RecordWriter(SUSPECT_TAG).str(t).u64(e).hex(d, 32).str(of).str(by).bytes();
}

export function signSuspicion(env: TreeEnv, t: string, e: number, d: string, of: string, by: string): Suspicion {
  return { of, by, sig: toHex(env.sign(suspicionBytes(t, e, d, of, by))) };
}

export function suspicionSignedBy(env: TreeEnv, s: Suspicion, t: string, e: number, d: string, key: string): boolean {
  try {
    return env.verify(fromHex(key), suspicionBytes(t, e, d, s.of, s.by), fromHex(s.sig));
  } catch {
    return false;
  }
}
