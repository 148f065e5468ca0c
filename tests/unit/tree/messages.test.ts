import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import { MSG, parseMessage } from '../../../core/tree/messages.ts';
import { grow, ref } from './fixtures.ts';

const version = { t: 'r0', e: 3, d: 'abcd', from: ref(1) };

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
    rejects(MSG.heartbeat, { ...version, from: { id: '' , url: 'x' } });
    rejects(MSG.heartbeat, { ...version, from: { id: 'x'.repeat(300), url: 'x' } });
  });

  it('accepts a full membership sync and rejects one with a duplicated relay', () => {
    const m = grow(4);
    expect(parseMessage(MSG.sync, { t: 'r0', m, from: ref(0) }).type).toBe('tree.sync');
    rejects(MSG.sync, { t: 'r0', m: { ...m, members: [ref(1), ref(1)] }, from: ref(0) });
    rejects(MSG.sync, { t: 'r0', m: { ...m, members: [] }, from: ref(0) });
  });

  it('requires an update to advance the epoch by exactly one with valid ops', () => {
    const ok = { t: 'r0', pe: 3, pd: 'aa', e: 4, d: 'bb', ops: [{ op: 'remove', id: 'r2', reason: 'dead' }] };
    expect(parseMessage(MSG.update, ok).type).toBe('tree.update');
    rejects(MSG.update, { ...ok, e: 5 });
    rejects(MSG.update, { ...ok, ops: [] });
    rejects(MSG.update, { ...ok, ops: [{ op: 'remove', id: 'r2', reason: 'bored' }] });
    rejects(MSG.update, { ...ok, ops: [{ op: 'rename', id: 'r2' }] });
  });

  it('requires an application message to name exactly one of a relay id and a position', () => {
    const app = { mid: 'r1.0', src: 'r1', dst: 'r2', dpos: null, hops: 0, type: 'note', body: { x: 1 }, rq: false, re: null };
    expect(parseMessage(MSG.app, app).type).toBe('tree.app');
    rejects(MSG.app, { ...app, dpos: 3 });
    rejects(MSG.app, { ...app, dst: null });
    rejects(MSG.app, { ...app, hops: 1_000 });
    rejects(MSG.app, { ...app, type: '' });
  });

  it('bounds join forwarding hops', () => {
    const join = { t: '', ref: ref(5), hops: 0, e: 0, d: '' };
    expect(parseMessage(MSG.join, join).type).toBe('tree.join');
    rejects(MSG.join, { ...join, hops: 99 });
  });
});
