import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import { signSuspicion } from '../../../core/tree/epoch-record.ts';
import { MSG, parseMessage } from '../../../core/tree/messages.ts';
import { chain, envOf, ref, signedUpdate } from './fixtures.ts';
import { MAX_ADMISSION_LENGTH, MAX_EPOCH_LOG, MAX_EVIDENCE } from '../../../core/limits.ts';

const version = { t: 'r0', e: 3, d: 'ab'.repeat(32), from: ref(1) };

function rejects(type: string, body: unknown): void {
  expect(() => parseMessage(type, body)).toThrow(PeerTreeError);
}

describe('protocol message bodies', () => {
  it('accepts a well-formed heartbeat and returns it typed', () => {
    expect(parseMessage(MSG.heartbeat, version)).toEqual({ type: 'tree.hb', body: version });
  });

  it('rejects an unknown type, a body that is not an object, and missing fields', () => {
    rejects('tree.nope', version);
    rejects(MSG.heartbeat, null);
    rejects(MSG.heartbeat, [1, 2]);
    rejects(MSG.heartbeat, { ...version, e: -1 });
    rejects(MSG.heartbeat, { ...version, from: { ...ref(1), id: '' } });
    rejects(MSG.heartbeat, { ...version, from: { ...ref(1), id: 'x'.repeat(300) } });
  });

  it('rejects a version whose digest is not a SHA-256, and a sender without a 32-byte key', () => {
    rejects(MSG.heartbeat, { ...version, d: 'abcd' });
    rejects(MSG.heartbeat, { ...version, d: 'AB'.repeat(32) });
    rejects(MSG.heartbeat, { ...version, from: { id: 'r1', url: 'wss://r1' } });
    rejects(MSG.heartbeat, { ...version, from: { ...ref(1), key: '' } });
    rejects(MSG.heartbeat, { ...version, from: { ...ref(1), key: 'ab'.repeat(31) } });
  });

  it('accepts a sync of signed records with a checkpoint, or records alone', () => {
    const { membership: m, log } = chain(4);
    expect(parseMessage(MSG.sync, { t: 'r0', recs: log, m, from: ref(0) }).type).toBe('tree.sync');
    expect(parseMessage(MSG.sync, { t: 'r0', recs: log.slice(2), m: null, from: ref(0) }).type).toBe('tree.sync');
  });

  it('rejects a sync whose checkpoint duplicates a relay or is empty, or whose records are malformed or too many', () => {
    const { membership: m, log } = chain(4);
    rejects(MSG.sync, { t: 'r0', recs: log, m: { ...m, members: [ref(1), ref(1)] }, from: ref(0) });
    rejects(MSG.sync, { t: 'r0', recs: log, m: { ...m, members: [] }, from: ref(0) });
    rejects(MSG.sync, { t: 'r0', m, from: ref(0) });
    rejects(MSG.sync, { t: 'r0', recs: [{ ...log[1]!, sig: 'ab' }], m: null, from: ref(0) });
    rejects(MSG.sync, {
      t: 'r0',
      recs: Array.from({ length: MAX_EPOCH_LOG + 1 }, () => log[0]!),
      m: null,
      from: ref(0),
    });
  });

  it('requires an update to carry one well-formed signed record', () => {
    const ok = signedUpdate(chain(3).membership, [{ op: 'remove', ref: ref(2), at: 2, reason: 'dead' }]);
    expect(parseMessage(MSG.update, ok).type).toBe('tree.update');
    const r = ok.r;
    rejects(MSG.update, { t: 'r0' });
    rejects(MSG.update, { ...ok, r: { ...r, e: 0 } });
    rejects(MSG.update, { ...ok, r: { ...r, p: '' } });
    rejects(MSG.update, { ...ok, r: { ...r, ops: [] } });
    rejects(MSG.update, { ...ok, r: { ...r, ops: [{ op: 'remove', ref: ref(2), at: 2, reason: 'bored' }] } });
    rejects(MSG.update, { ...ok, r: { ...r, ops: [{ op: 'rename', ref: ref(2) }] } });
    rejects(MSG.update, {
      ...ok,
      r: { ...r, ops: [{ op: 'add', ref: ref(5), adm: 'x'.repeat(MAX_ADMISSION_LENGTH + 1) }] },
    });
    rejects(MSG.update, {
      ...ok,
      r: { ...r, ops: [{ op: 'add', ref: { id: 'r5', url: 'wss://r5', key: '' }, adm: '' }] },
    });
    rejects(MSG.update, { ...ok, r: { ...r, sig: r.sig.slice(2) } });
    rejects(MSG.update, { ...ok, r: { ...r, by: '' } });
    const s = signSuspicion(envOf(1), 'r0', 3, chain(3).membership.digest, 'r0', 'r1');
    rejects(MSG.update, { ...ok, r: { ...r, ev: Array.from({ length: MAX_EVIDENCE + 1 }, () => s) } });
    rejects(MSG.update, { ...ok, r: { ...r, ev: [{ ...s, sig: 'zz' }] } });
  });

  it('accepts a signed suspicion made at a version, and rejects one without a version or a signature', () => {
    const d = chain(3).membership.digest;
    const body = { t: 'r0', e: 3, d, s: signSuspicion(envOf(1), 'r0', 3, d, 'r0', 'r1') };
    expect(parseMessage(MSG.suspect, body).type).toBe('tree.suspect');
    rejects(MSG.suspect, { ...body, e: 0 });
    rejects(MSG.suspect, { ...body, d: 'x' });
    rejects(MSG.suspect, { ...body, s: { ...body.s, sig: '' } });
    rejects(MSG.suspect, { ...body, s: { ...body.s, of: '' } });
  });

  it('requires an application message to name exactly one of a relay id and a position', () => {
    const app = {
      mid: 'r1.0',
      src: 'r1',
      dst: 'r2',
      dpos: null,
      hops: 0,
      type: 'note',
      body: { x: 1 },
      rq: false,
      re: null,
    };
    expect(parseMessage(MSG.app, app).type).toBe('tree.app');
    rejects(MSG.app, { ...app, dpos: 3 });
    rejects(MSG.app, { ...app, dst: null });
    rejects(MSG.app, { ...app, hops: 1_000 });
    rejects(MSG.app, { ...app, type: '' });
  });

  it('bounds join forwarding hops and requires the admission the joiner presents', () => {
    const join = { t: '', ref: ref(5), hops: 0, e: 0, d: '', adm: '' };
    expect(parseMessage(MSG.join, join).type).toBe('tree.join');
    rejects(MSG.join, { ...join, hops: 99 });
    rejects(MSG.join, { t: '', ref: ref(5), hops: 0, e: 0, d: '' });
    rejects(MSG.join, { ...join, adm: 'x'.repeat(MAX_ADMISSION_LENGTH + 1) });
    rejects(MSG.join, { ...join, ref: { id: 'r5', url: 'wss://r5', key: '' } });
  });
});
