import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HEARTBEAT_INTERVAL_MS, PEER_TIMEOUT_MS, TICK_MS } from '../../../core/tree/constants.ts';
import { initialState, restoreState, step, treeStatus } from '../../../core/tree/machine.ts';
import { MSG } from '../../../core/tree/messages.ts';
import type { TreeState } from '../../../core/tree/types.ts';
import { events, grow, memberState, ref, sends } from './fixtures.ts';

describe('step: lifecycle', () => {
  it('makes a created relay the root of a new tree at epoch 1, persisted before it notifies', () => {
    const r = step(initialState(ref(0), 2), { type: 'create', now: 10 });
    expect(treeStatus(r.state)).toMatchObject({ position: 0, epoch: 1, size: 1, depth: 0, parent: null, treeId: 'r0' });
    const kinds = r.effects.map((e) => e.kind);
    expect(kinds[0]).toBe('persist');
    expect(kinds.indexOf('setTimer')).toBeLessThan(kinds.indexOf('notify'));
    expect(events(r.effects).map((e) => e.type)).toEqual(['joined', 'membership']);
  });

  it('has a joining relay ask its contact, and become a member when a sync names it', () => {
    const joined = step(initialState(ref(3), 2), { type: 'join', now: 0, contact: ref(1) });
    expect(joined.state.phase).toBe('joining');
    expect(sends(joined.effects, MSG.join)).toEqual([{ to: 'r1', msgType: MSG.join, body: { t: '', ref: ref(3), hops: 0, e: 0, d: '' } }]);
    const synced = step(joined.state, { type: 'message', now: 5, from: 'r0', msgType: MSG.sync, body: { t: 'r0', m: grow(4), from: ref(0) } });
    expect(treeStatus(synced.state)).toMatchObject({ phase: 'member', position: 3, parent: 'r1', size: 4 });
    expect(synced.effects.filter((e) => e.kind === 'connect').map((e) => e.kind === 'connect' && e.peer.id)).toEqual(['r1']);
  });

  it('has a non-root member forward a join to the root, and the root append the joiner', () => {
    const forwarded = step(memberState(2, 3), { type: 'message', now: 1, from: 'r9', msgType: MSG.join, body: { t: '', ref: ref(9), hops: 0, e: 0, d: '' } });
    expect(sends(forwarded.effects, MSG.join)).toEqual([{ to: 'r0', msgType: MSG.join, body: { t: '', ref: ref(9), hops: 1, e: 0, d: '' } }]);
    const root = step(memberState(0, 3), { type: 'message', now: 1, from: 'r2', msgType: MSG.join, body: { t: '', ref: ref(9), hops: 1, e: 0, d: '' } });
    expect(root.state.membership.members.map((m) => m.id)).toEqual(['r0', 'r1', 'r2', 'r9']);
    expect(root.state.membership.epoch).toBe(4);
    expect(sends(root.effects, MSG.sync).map((s) => s.to)).toEqual(['r9']);
    expect(sends(root.effects, MSG.update).map((s) => s.to).sort()).toEqual(['r1', 'r2']);
  });

  it('answers a repeated join of a present relay with the membership only, without a new epoch', () => {
    const r = step(memberState(0, 3), { type: 'message', now: 1, from: 'r2', msgType: MSG.join, body: { t: 'r0', ref: ref(2), hops: 0, e: 3, d: grow(3).digest } });
    expect(r.state.membership.epoch).toBe(3);
    expect(sends(r.effects, MSG.update)).toEqual([]);
  });

  it('moves the last relay into the position of a relay that leaves gracefully', () => {
    const r = step(memberState(0, 6), { type: 'message', now: 1, from: 'r1', msgType: MSG.leave, body: { t: 'r0', e: 6, from: ref(1) } });
    expect(r.state.membership.members.map((m) => m.id)).toEqual(['r0', 'r5', 'r2', 'r3', 'r4']);
    expect(sends(r.effects, MSG.update).map((s) => s.to).sort()).toEqual(['r1', 'r2', 'r5']);
  });

  it('lets a leaving root hand position 0 to the last relay and go away at once', () => {
    const r = step(memberState(0, 4), { type: 'leave', now: 1 });
    expect(r.state.phase).toBe('left');
    expect(r.state.membership.members.map((m) => m.id)).toEqual(['r3', 'r1', 'r2']);
    expect(events(r.effects).map((e) => e.type)).toContain('left');
  });
});

describe('step: failure detection', () => {
  function silentFor(state: TreeState, ms: number): { state: TreeState; effects: any[] } {
    let s = state;
    const all: any[] = [];
    for (let t = state.now + TICK_MS; t <= state.now + ms; t += TICK_MS) {
      const r = step(s, { type: 'tick', now: t });
      s = r.state;
      all.push(...r.effects);
    }
    return { state: s, effects: all };
  }

  it('heartbeats its parent and children every interval', () => {
    const r = step(memberState(1, 7), { type: 'tick', now: 2_000 });
    expect(sends(r.effects, MSG.heartbeat).map((s) => s.to).sort()).toEqual(['r0', 'r2', 'r3', 'r4']);
    const again = step(r.state, { type: 'tick', now: 2_000 + HEARTBEAT_INTERVAL_MS / 2 });
    expect(sends(again.effects, MSG.heartbeat)).toEqual([]);
  });

  it('has the root remove a child silent for longer than the peer timeout', () => {
    const { state } = silentFor(memberState(0, 5), PEER_TIMEOUT_MS + 2 * TICK_MS);
    expect(state.membership.members.map((m) => m.id)).not.toContain('r1');
  });

  it('keeps a child that keeps sending heartbeats', () => {
    let s = memberState(0, 2);
    for (let t = 2_000; t < 40_000; t += TICK_MS) {
      s = step(s, { type: 'tick', now: t }).state;
      s = step(s, { type: 'message', now: t, from: 'r1', msgType: MSG.heartbeat, body: { t: 'r0', e: s.membership.epoch, d: s.membership.digest, from: ref(1) } }).state;
    }
    expect(s.membership.members.map((m) => m.id)).toEqual(['r0', 'r1']);
  });

  it('has a non-root relay report a silent child to the root instead of removing it', () => {
    const { state, effects } = silentFor(memberState(3, 8, 2), PEER_TIMEOUT_MS + 2 * TICK_MS);
    expect(sends(effects, MSG.report).map((s) => [s.to, s.body.dead])).toContainEqual(['r0', 'r7']);
    expect(state.membership.epoch).toBe(8);
  });

  it('has the lowest live root child take over from a silent root, moving the last relay to position 0', () => {
    let s = memberState(1, 6, 2);
    const start = s.now;
    for (let t = start + TICK_MS; t <= start + PEER_TIMEOUT_MS + 2 * TICK_MS; t += TICK_MS) {
      s = step(s, { type: 'tick', now: t }).state;
      for (const child of ['r3', 'r4', 'r2']) {
        s = step(s, { type: 'message', now: t, from: child, msgType: MSG.heartbeat, body: { t: 'r0', e: s.membership.epoch, d: s.membership.digest, from: { id: child, url: `wss://${child}` } } }).state;
      }
    }
    expect(s.membership.members.map((m) => m.id)).toEqual(['r5', 'r1', 'r2', 'r3', 'r4']);
  });

  it('has a higher root child wait while a lower one is alive', () => {
    let s = memberState(2, 6, 2);
    const start = s.now;
    for (let t = start + TICK_MS; t <= start + PEER_TIMEOUT_MS + 2 * TICK_MS; t += TICK_MS) {
      s = step(s, { type: 'tick', now: t }).state;
      s = step(s, { type: 'message', now: t, from: 'r1', msgType: MSG.heartbeat, body: { t: 'r0', e: 6, d: s.membership.digest, from: ref(1) } }).state;
      s = step(s, { type: 'message', now: t, from: 'r5', msgType: MSG.heartbeat, body: { t: 'r0', e: 6, d: s.membership.digest, from: ref(5) } }).state;
    }
    expect(s.membership.epoch).toBe(6);
  });
});

describe('step: versions and hostile input', () => {
  it('pushes its membership to a neighbour whose heartbeat shows an older version', () => {
    const r = step(memberState(0, 3), { type: 'message', now: 5, from: 'r1', msgType: MSG.heartbeat, body: { t: 'r0', e: 2, d: 'old', from: ref(1) } });
    expect(sends(r.effects, MSG.sync).map((s) => s.to)).toEqual(['r1']);
  });

  it('rejoins when a winning membership no longer holds it', () => {
    const m = grow(4);
    const without = { epoch: 9, digest: 'zz', members: m.members.filter((x) => x.id !== 'r2') };
    const r = step(memberState(2, 4), { type: 'message', now: 5, from: 'r0', msgType: MSG.sync, body: { t: 'r0', m: without, from: ref(0) } });
    expect(r.state.phase).toBe('joining');
    expect(events(r.effects).map((e) => e.type)).toContain('removed');
    expect(sends(r.effects, MSG.join).length).toBe(1);
  });

  it('drops messages of a foreign tree and spoofed senders, counting them', () => {
    const foreign = step(memberState(1, 3), { type: 'message', now: 5, from: 'r0', msgType: MSG.heartbeat, body: { t: 'other', e: 3, d: 'x', from: ref(0) } });
    expect(foreign.state.counters['foreign-tree']).toBe(1);
    const spoofed = step(memberState(1, 3), { type: 'message', now: 5, from: 'r2', msgType: MSG.heartbeat, body: { t: 'r0', e: 3, d: 'x', from: ref(0) } });
    expect(spoofed.state.counters['dropped-spoofed']).toBe(1);
  });

  it('never throws on arbitrary message bodies, and never changes its input state', () => {
    const state = memberState(1, 5);
    const frozen = JSON.stringify(state);
    const types = Object.values(MSG);
    fc.assert(fc.property(fc.constantFrom(...types, 'junk'), fc.anything(), (type, body) => {
      const r = step(state, { type: 'message', now: 2_000, from: 'r0', msgType: type, body });
      expect(r.state).toBeDefined();
    }), { numRuns: 500 });
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('counts a malformed message as dropped', () => {
    const r = step(memberState(1, 5), { type: 'message', now: 2_000, from: 'r0', msgType: MSG.update, body: { t: 'r0', pe: 'x' } });
    expect(r.state.counters['dropped-bad-input']).toBe(1);
    expect(r.effects.filter((e) => e.kind === 'send')).toEqual([]);
  });

  it('restores a persisted state from its JSON and resumes with heartbeats', () => {
    const saved = JSON.parse(JSON.stringify(memberState(1, 5)));
    const restored = restoreState(saved);
    const r = step(restored, { type: 'resume', now: 50_000 });
    expect(sends(r.effects, MSG.heartbeat).map((s) => s.to).sort()).toEqual(['r0', 'r2', 'r3', 'r4']);
    expect(() => restoreState({ nope: true })).toThrow();
  });
});
