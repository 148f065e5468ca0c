import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../core/bytes.ts';
import {
  EPOCH_TAG,
  GENESIS_PREV,
  recordBytes,
  recordHash,
  recordSignedBy,
  signRecord,
  signSuspicion,
  SUSPECT_TAG,
  suspicionBytes,
  suspicionSignedBy,
  type EpochRecord,
  type UnsignedRecord,
} from '../../../core/tree/epoch-record.ts';
import type { MembershipOp, NodeRef } from '../../../core/tree/types.ts';
import { envOf, ref } from './fixtures.ts';

const A: NodeRef = { id: 'a', url: 'u', key: '22'.repeat(32) };
const VECTOR: UnsignedRecord = {
  t: 'r0',
  e: 2,
  p: '11'.repeat(32),
  ops: [
    { op: 'add', ref: A, adm: '' },
    { op: 'remove', ref: A, at: 1, reason: 'dead' },
  ],
  by: 'a',
  ev: [{ of: 'a', by: 'b', sig: '44'.repeat(64) }],
};
const hex = (s: string) => toHex(utf8(s));
const env = envOf(0);

describe('the epoch record byte layout', () => {
  it('is fixed: a test vector of a record with an add, a removal and one suspicion', () => {
    const expected = [
      hex(EPOCH_TAG),
      '00', // domain tag, NUL
      '0002',
      '7230', // t = "r0" (u16 length, UTF-8)
      '0000000000000002', // e = 2 (u64 big-endian)
      '11'.repeat(32), // p (32 raw bytes)
      '0002', // two ops
      '01',
      '0001',
      '61',
      '0001',
      '75',
      '22'.repeat(32),
      '0000', // add: id "a", url "u", key, adm ""
      '03',
      '0001',
      '61',
      '0001',
      '75',
      '22'.repeat(32),
      '00000001', // remove (dead = 3): ref, at = 1 (u32)
      '0001',
      '61', // by = "a"
      '0001',
      '0001',
      '61',
      '0001',
      '62',
      '44'.repeat(64), // one suspicion: of "a", by "b", sig (64 raw bytes)
    ].join('');
    expect(toHex(recordBytes(VECTOR))).toBe(expected);
    expect(recordHash(env, { ...VECTOR, sig: '' })).toBe(
      '9edca9760c7116fbff790066de7a0a3071b47e49ec606d0e14a16299f5533143',
    );
  });

  it('codes a removal for leaving as 2 and one for silence as 3', () => {
    const left = recordBytes({ ...VECTOR, ops: [{ op: 'remove', ref: A, at: 1, reason: 'left' }], ev: [] });
    const at = utf8(EPOCH_TAG).length + 1 + 4 + 8 + 32 + 2;
    expect(left[at]).toBe(2);
    expect(recordBytes({ ...VECTOR, ops: [{ op: 'remove', ref: A, at: 1, reason: 'dead' }], ev: [] })[at]).toBe(3);
  });

  it('is fixed for a suspicion too: a test vector', () => {
    const expected = [
      hex(SUSPECT_TAG),
      '00',
      '0002',
      '7230',
      '0000000000000002',
      '33'.repeat(32),
      '0001',
      '61',
      '0001',
      '62',
    ].join('');
    expect(toHex(suspicionBytes('r0', 2, '33'.repeat(32), 'a', 'b'))).toBe(expected);
  });

  it('starts with its domain tag, so a record and a suspicion never share bytes', () => {
    expect(EPOCH_TAG).toBe('peertree/epoch/v1');
    expect(SUSPECT_TAG).toBe('peertree/suspect/v1');
    expect(recordBytes(VECTOR).slice(0, EPOCH_TAG.length + 1)).toEqual(new Uint8Array([...utf8(EPOCH_TAG), 0]));
    expect(suspicionBytes('r0', 2, '33'.repeat(32), 'a', 'b').slice(0, SUSPECT_TAG.length + 1)).toEqual(
      new Uint8Array([...utf8(SUSPECT_TAG), 0]),
    );
  });

  it('changes, with the hash, when any field changes', () => {
    const add = VECTOR.ops[0] as Extract<MembershipOp, { op: 'add' }>;
    const rm = VECTOR.ops[1] as Extract<MembershipOp, { op: 'remove' }>;
    const s = VECTOR.ev[0]!;
    const variants: UnsignedRecord[] = [
      VECTOR,
      { ...VECTOR, t: 'r1' },
      { ...VECTOR, e: 3 },
      { ...VECTOR, p: '12'.repeat(32) },
      { ...VECTOR, ops: [{ ...add, ref: { ...A, id: 'b' } }, rm] },
      { ...VECTOR, ops: [{ ...add, ref: { ...A, url: 'v' } }, rm] },
      { ...VECTOR, ops: [{ ...add, ref: { ...A, key: '23'.repeat(32) } }, rm] },
      { ...VECTOR, ops: [{ ...add, adm: 'allow' }, rm] },
      { ...VECTOR, ops: [add, { ...rm, at: 2 }] },
      { ...VECTOR, ops: [add, { ...rm, reason: 'left' }] },
      { ...VECTOR, ops: [add, { ...rm, ref: { ...A, id: 'c' } }] },
      { ...VECTOR, ops: [add] },
      { ...VECTOR, ops: [rm, add] },
      { ...VECTOR, by: 'b' },
      { ...VECTOR, ev: [] },
      { ...VECTOR, ev: [{ ...s, of: 'c' }] },
      { ...VECTOR, ev: [{ ...s, by: 'c' }] },
      { ...VECTOR, ev: [{ ...s, sig: '45'.repeat(64) }] },
      { ...VECTOR, ev: [s, s] },
    ];
    expect(new Set(variants.map((v) => toHex(recordBytes(v)))).size).toBe(variants.length);
    expect(new Set(variants.map((v) => recordHash(env, { ...v, sig: '' }))).size).toBe(variants.length);
  });

  it('prefixes every string with its length, so shifting text between fields changes the bytes', () => {
    const shifted: UnsignedRecord = { ...VECTOR, ops: [{ op: 'add', ref: { ...A, id: 'au', url: '' }, adm: '' }] };
    const plain: UnsignedRecord = { ...VECTOR, ops: [{ op: 'add', ref: A, adm: '' }] };
    expect(toHex(recordBytes(shifted))).not.toBe(toHex(recordBytes(plain)));
    expect(toHex(suspicionBytes('r0', 2, '33'.repeat(32), 'ab', ''))).not.toBe(
      toHex(suspicionBytes('r0', 2, '33'.repeat(32), 'a', 'b')),
    );
  });

  it('does not cover the signature, and hashes a changed copy afresh (the memo is per object)', () => {
    const r = signRecord(env, VECTOR);
    expect(recordBytes(r)).toEqual(recordBytes(VECTOR));
    const h = recordHash(env, r);
    expect(recordHash(env, { ...r, e: 3 })).not.toBe(h);
    expect(recordHash(env, r)).toBe(h);
  });

  it('refuses a key, hash or signature that is not exactly the right number of bytes', () => {
    expect(() => recordBytes({ ...VECTOR, p: '11'.repeat(31) })).toThrow();
    expect(() => recordBytes({ ...VECTOR, ops: [{ op: 'add', ref: { ...A, key: '' }, adm: '' }] })).toThrow();
    expect(() => recordBytes({ ...VECTOR, ev: [{ of: 'a', by: 'b', sig: '44'.repeat(63) }] })).toThrow();
    expect(() => suspicionBytes('r0', 2, '', 'a', 'b')).toThrow();
  });
});

describe('signed records', () => {
  const rec: UnsignedRecord = {
    t: 'r0',
    e: 1,
    p: GENESIS_PREV,
    ops: [{ op: 'add', ref: ref(0), adm: '' }],
    by: 'r0',
    ev: [],
  };

  it("verify under the signer's key only", () => {
    const r = signRecord(envOf(0), rec);
    expect(recordSignedBy(env, r, ref(0).key)).toBe(true);
    expect(recordSignedBy(env, r, ref(1).key)).toBe(false);
    const forged = signRecord(envOf(1), rec); // r1 signs a record that names r0 as its signer
    expect(recordSignedBy(env, forged, ref(0).key)).toBe(false);
  });

  it('stop verifying when any signed field is changed after signing', () => {
    const r = signRecord(envOf(0), rec);
    const tampered: EpochRecord[] = [
      { ...r, e: 2 },
      { ...r, t: 'r1' },
      { ...r, p: '11'.repeat(32) },
      { ...r, by: 'r1' },
      { ...r, ops: [{ op: 'add', ref: ref(1), adm: '' }] },
      { ...r, ops: [{ op: 'add', ref: ref(0), adm: 'allow' }] },
      { ...r, ev: [signSuspicion(envOf(1), 'r0', 1, GENESIS_PREV, 'r0', 'r1')] },
    ];
    for (const t of tampered) expect(recordSignedBy(env, t, ref(0).key)).toBe(false);
  });

  it('never throw on a malformed signature or key, they just do not verify', () => {
    const r = signRecord(envOf(0), rec);
    expect(recordSignedBy(env, { ...r, sig: 'zz' }, ref(0).key)).toBe(false);
    expect(recordSignedBy(env, { ...r, sig: '' }, ref(0).key)).toBe(false);
    expect(recordSignedBy(env, r, 'abc')).toBe(false);
    expect(recordSignedBy(env, { ...r, p: 'xx' }, ref(0).key)).toBe(false);
  });

  it('cannot be made from a suspicion signature (domain separation)', () => {
    const d = '33'.repeat(32);
    const s = signSuspicion(envOf(0), 'r0', 1, d, 'r1', 'r0');
    expect(recordSignedBy(env, { ...rec, sig: s.sig }, ref(0).key)).toBe(false);
  });
});

describe('signed suspicions', () => {
  const d = '33'.repeat(32);
  const s = signSuspicion(envOf(2), 'r0', 5, d, 'r0', 'r2');

  it("verify at the version they were made at, under the watcher's key", () => {
    expect(s).toMatchObject({ of: 'r0', by: 'r2' });
    expect(suspicionSignedBy(env, s, 'r0', 5, d, ref(2).key)).toBe(true);
    expect(suspicionSignedBy(env, s, 'r0', 5, d, ref(1).key)).toBe(false);
  });

  it('are bound to their version (e, d) and tree: replayed at another one they do not verify', () => {
    expect(suspicionSignedBy(env, s, 'r0', 6, d, ref(2).key)).toBe(false);
    expect(suspicionSignedBy(env, s, 'r0', 5, '34'.repeat(32), ref(2).key)).toBe(false);
    expect(suspicionSignedBy(env, s, 'r1', 5, d, ref(2).key)).toBe(false);
  });

  it('are bound to whom they name and who says it', () => {
    expect(suspicionSignedBy(env, { ...s, of: 'r1' }, 'r0', 5, d, ref(2).key)).toBe(false);
    expect(suspicionSignedBy(env, { ...s, by: 'r3' }, 'r0', 5, d, ref(2).key)).toBe(false);
  });

  it('never throw on malformed input', () => {
    expect(suspicionSignedBy(env, { ...s, sig: 'nothex' }, 'r0', 5, d, ref(2).key)).toBe(false);
    expect(suspicionSignedBy(env, s, 'r0', 5, 'short', ref(2).key)).toBe(false);
    expect(suspicionSignedBy(env, s, 'r0', -1, d, ref(2).key)).toBe(false);
  });
});
