// Protocol message types and their bodies (plain JSON), each checked by a small named assert.
import { assertHex, assertInteger, assertPlainObject, assertString, fail } from '../asserts.ts';
import {
  MAX_ADMISSION_LENGTH,
  MAX_EPOCH_LOG,
  MAX_EVIDENCE,
  MAX_HOPS,
  MAX_ID_LENGTH,
  MAX_JOIN_HOPS,
  MAX_MEMBERS,
  MAX_OPS_PER_UPDATE,
  MAX_TYPE_LENGTH,
  MAX_URL_LENGTH,
} from '../limits.ts';
import type { EpochRecord, Suspicion } from './epoch-record.ts';
import type { Membership, MembershipOp, NodeRef } from './types.ts';

export const MSG = {
  heartbeat: 'tree.hb',
  join: 'tree.join',
  sync: 'tree.sync',
  syncRequest: 'tree.syncreq',
  update: 'tree.update',
  report: 'tree.report',
  leave: 'tree.leave',
  probe: 'tree.probe',
  suspect: 'tree.suspect',
  app: 'tree.app',
  ack: 'tree.ack',
  broadcast: 'tree.bcast',
  broadcastAck: 'tree.back',
} as const;

export type MessageType = (typeof MSG)[keyof typeof MSG];

/** Version of a membership as carried on the wire. */
export interface VersionBody {
  readonly t: string;
  readonly e: number;
  readonly d: string;
  readonly from: NodeRef;
}

export type Message =
  | { readonly type: 'tree.hb'; readonly body: VersionBody }
  | { readonly type: 'tree.probe'; readonly body: VersionBody }
  | { readonly type: 'tree.syncreq'; readonly body: VersionBody }
  | { readonly type: 'tree.join'; readonly body: JoinBody }
  | { readonly type: 'tree.sync'; readonly body: SyncBody }
  | { readonly type: 'tree.update'; readonly body: UpdateBody }
  | { readonly type: 'tree.suspect'; readonly body: SuspectBody }
  | { readonly type: 'tree.report'; readonly body: { readonly t: string; readonly e: number; readonly dead: string } }
  | { readonly type: 'tree.leave'; readonly body: { readonly t: string; readonly e: number; readonly from: NodeRef } }
  | { readonly type: 'tree.app'; readonly body: AppBody }
  | {
      readonly type: 'tree.ack';
      readonly body: { readonly mid: string; readonly src: string; readonly dst: string; readonly hops: number };
    }
  | { readonly type: 'tree.bcast'; readonly body: BroadcastBody }
  | { readonly type: 'tree.back'; readonly body: { readonly mid: string } };

/**
 * A join request; e/d is the joiner's last known version (0/'' when it knows none), adm the admission it
 * presents ('' or its join token's JSON).
 */
export interface JoinBody {
  readonly t: string;
  readonly ref: NodeRef;
  readonly hops: number;
  readonly e: number;
  readonly d: string;
  readonly adm: string;
}

/** One new epoch: the sequencer's signed record. */
export interface UpdateBody {
  readonly t: string;
  readonly r: EpochRecord;
}

/**
 * Signed records the receiver may lack (consecutive, oldest first) and, when the sender could not tell
 * where the receiver's history is, its current membership as a checkpoint (trusted only by a joiner
 * from its own contact; everyone else rebuilds the membership from the records).
 */
export interface SyncBody {
  readonly t: string;
  readonly recs: readonly EpochRecord[];
  readonly m: Membership | null;
  readonly from: NodeRef;
}

/** A signed suspicion made at version (e, d). */
export interface SuspectBody {
  readonly t: string;
  readonly e: number;
  readonly d: string;
  readonly s: Suspicion;
}

export interface AppBody {
  readonly mid: string;
  readonly src: string;
  readonly dst: string | null;
  readonly dpos: number | null;
  readonly hops: number;
  readonly type: string;
  readonly body: unknown;
  readonly rq: boolean;
  readonly re: string | null;
}

export interface BroadcastBody {
  readonly mid: string;
  readonly src: string;
  readonly type: string;
  readonly body: unknown;
}

export function assertId(value: unknown, what: string): asserts value is string {
  assertString(value, what, MAX_ID_LENGTH);
  if (value.length === 0) fail(`${what} must not be empty`);
}

/** A member's reference: id, url and its 32-byte public key in hex. */
export function assertRef(value: unknown, what: string): asserts value is NodeRef {
  assertContact(value, what);
  assertHex(value.key, `${what}.key`, 32);
}

/** A contact's reference: its key may still be unknown (''). */
export function assertContact(value: unknown, what: string): asserts value is NodeRef {
  assertPlainObject(value, what);
  assertId(value.id, `${what}.id`);
  assertString(value.url, `${what}.url`, MAX_URL_LENGTH);
  if (value.key !== '') assertHex(value.key, `${what}.key`, 32);
}

/** A version digest: '' (no tree) or a SHA-256 in hex. */
function assertDigest(value: unknown, what: string): asserts value is string {
  assertString(value, what, 64);
  if (value !== '' && !/^[0-9a-f]{64}$/.test(value)) fail(`${what} must be a SHA-256 in hex`);
}

function assertSuspicion(value: unknown, what: string): asserts value is Suspicion {
  assertPlainObject(value, what);
  assertId(value.of, `${what}.of`);
  assertId(value.by, `${what}.by`);
  assertHex(value.sig, `${what}.sig`, 64);
}

const checkedRecords = new WeakSet<object>();

/** Checks the shape of a signed epoch record (not its signature or authority: see chain.ts). */
export function assertRecord(value: unknown, what: string): asserts value is EpochRecord {
  assertPlainObject(value, what);
  if (checkedRecords.has(value)) return;
  assertString(value.t, `${what}.t`, MAX_ID_LENGTH);
  assertInteger(value.e, `${what}.e`, 1);
  assertDigest(value.p, `${what}.p`);
  if (value.p === '') fail(`${what}.p must not be empty`);
  assertOps(value.ops);
  assertId(value.by, `${what}.by`);
  if (!Array.isArray(value.ev) || value.ev.length > MAX_EVIDENCE) fail(`${what}.ev must be a short array`);
  for (let i = 0; i < value.ev.length; i++) assertSuspicion(value.ev[i], `${what}.ev[${i}]`);
  assertHex(value.sig, `${what}.sig`, 64);
  checkedRecords.add(value);
}

function assertAppType(value: unknown, what: string): asserts value is string {
  assertString(value, what, MAX_TYPE_LENGTH);
  if (value.length === 0) fail(`${what} must not be empty`);
}

function assertVersionBody(b: Record<string, unknown>): void {
  assertString(b.t, 'tree id', MAX_ID_LENGTH);
  assertInteger(b.e, 'epoch');
  assertDigest(b.d, 'digest');
  assertRef(b.from, 'from');
}

const checkedMembers = new WeakSet<object>();

/** Checks a full membership: unique non-empty ids, bounded size. Memoised per array. */
export function assertMembership(value: unknown, what: string): asserts value is Membership {
  assertPlainObject(value, what);
  assertInteger(value.epoch, `${what}.epoch`, 1);
  if (value.digest === '') fail(`${what}.digest must not be empty`);
  assertDigest(value.digest, `${what}.digest`);
  const members = value.members;
  if (!Array.isArray(members) || members.length === 0 || members.length > MAX_MEMBERS)
    fail(`${what}.members must be a non-empty array`);
  if (checkedMembers.has(members)) return;
  const ids = new Set<string>();
  for (let i = 0; i < members.length; i++) {
    assertRef(members[i], `${what}.members[${i}]`);
    const id = (members[i] as NodeRef).id;
    if (ids.has(id)) fail(`${what}.members has a duplicate id`);
    ids.add(id);
  }
  checkedMembers.add(members);
}

function assertOps(value: unknown): asserts value is MembershipOp[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_OPS_PER_UPDATE)
    fail('ops must be a short non-empty array');
  for (const op of value) {
    assertPlainObject(op, 'op');
    if (op.op === 'add') {
      assertRef(op.ref, 'op.ref');
      assertString(op.adm, 'op.adm', MAX_ADMISSION_LENGTH);
    } else if (op.op === 'remove') {
      assertRef(op.ref, 'op.ref');
      assertInteger(op.at, 'op.at', 0, MAX_MEMBERS);
      if (op.reason !== 'left' && op.reason !== 'dead') fail('op.reason must be left or dead');
    } else fail('op.op must be add or remove');
  }
}

function assertMid(value: unknown, what: string): asserts value is string {
  assertString(value, what, 2 * MAX_ID_LENGTH);
  if (value.length === 0) fail(`${what} must not be empty`);
}

/** Validates a received message; throws PeerTreeError('BAD_INPUT') for anything malformed. */
export function parseMessage(type: unknown, body: unknown): Message {
  assertString(type, 'message type', MAX_TYPE_LENGTH);
  assertPlainObject(body, `${type} body`);
  const b = body;
  switch (type) {
    case MSG.heartbeat:
    case MSG.probe:
    case MSG.syncRequest:
      assertVersionBody(b);
      break;
    case MSG.join:
      assertString(b.t, 'tree id', MAX_ID_LENGTH);
      assertRef(b.ref, 'ref');
      assertInteger(b.hops, 'hops', 0, MAX_JOIN_HOPS);
      assertInteger(b.e, 'epoch');
      assertDigest(b.d, 'digest');
      assertString(b.adm, 'adm', MAX_ADMISSION_LENGTH);
      break;
    case MSG.sync:
      assertString(b.t, 'tree id', MAX_ID_LENGTH);
      if (!Array.isArray(b.recs) || b.recs.length > MAX_EPOCH_LOG)
        fail('recs must be an array of at most MAX_EPOCH_LOG records');
      for (let i = 0; i < b.recs.length; i++) assertRecord(b.recs[i], `recs[${i}]`);
      if (b.m !== null) assertMembership(b.m, 'm');
      assertRef(b.from, 'from');
      break;
    case MSG.update:
      assertString(b.t, 'tree id', MAX_ID_LENGTH);
      assertRecord(b.r, 'r');
      break;
    case MSG.suspect:
      assertString(b.t, 'tree id', MAX_ID_LENGTH);
      assertInteger(b.e, 'epoch', 1);
      assertDigest(b.d, 'digest');
      assertSuspicion(b.s, 's');
      break;
    case MSG.report:
      assertString(b.t, 'tree id', MAX_ID_LENGTH);
      assertInteger(b.e, 'epoch');
      assertId(b.dead, 'dead');
      break;
    case MSG.leave:
      assertString(b.t, 'tree id', MAX_ID_LENGTH);
      assertInteger(b.e, 'epoch');
      assertRef(b.from, 'from');
      break;
    case MSG.app:
      assertMid(b.mid, 'mid');
      assertId(b.src, 'src');
      if (b.dst !== null) assertId(b.dst, 'dst');
      if (b.dpos !== null) assertInteger(b.dpos, 'dpos', 0, MAX_MEMBERS);
      if ((b.dst === null) === (b.dpos === null)) fail('exactly one of dst and dpos');
      assertInteger(b.hops, 'hops', 0, MAX_HOPS);
      assertAppType(b.type, 'type');
      if (!('body' in b)) fail('app body missing');
      if (typeof b.rq !== 'boolean') fail('rq must be a boolean');
      if (b.re !== null) assertMid(b.re, 're');
      break;
    case MSG.ack:
      assertMid(b.mid, 'mid');
      assertId(b.src, 'src');
      assertId(b.dst, 'dst');
      assertInteger(b.hops, 'hops', 0, MAX_HOPS);
      break;
    case MSG.broadcast:
      assertMid(b.mid, 'mid');
      assertId(b.src, 'src');
      assertAppType(b.type, 'type');
      if (!('body' in b)) fail('broadcast body missing');
      break;
    case MSG.broadcastAck:
      assertMid(b.mid, 'mid');
      break;
    default:
      fail(`unknown message type ${type}`);
  }
  return { type, body } as Message;
}
