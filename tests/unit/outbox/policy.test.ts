// The outbox retry policy: what waits, what fails, how the row says it, when the next attempt is.
import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  classifyFailure,
  continuesAfter,
  dueInOrder,
  failureOf,
  isDue,
  memoryStep,
  nextAttemptAt,
  nextWake,
  uploadAfterFailure,
} from '../../../core/outbox/policy.ts';
import { UPLOAD_RETRY_BASE_MS, UPLOAD_RETRY_MAX_MS } from '../../../core/limits.ts';

describe('classifyFailure', () => {
  it('waits out a tree too small for the replica count, in plain words', () => {
    const v = classifyFailure({
      code: 'UNAVAILABLE',
      refused: true,
      message: 'need 3 relays for 3 replicas, but the tree has 1',
    });
    expect(v).toEqual({ kind: 'transient', reason: 'waiting for 2 more relays to join the network' });
    expect(
      classifyFailure({
        code: 'UNAVAILABLE',
        refused: true,
        message: 'need 2 relays for 2 replicas, but the tree has 1',
      }).reason,
    ).toBe('waiting for 1 more relay to join the network');
  });

  it('waits out connection trouble and time-outs', () => {
    for (const code of ['CLOSED', 'TIMEOUT', 'CONNECTION', 'UNAVAILABLE', 'RATE_LIMITED']) {
      expect(classifyFailure({ code, refused: false, message: 'x' }).kind).toBe('transient');
    }
    expect(classifyFailure({ code: 'FULL', refused: true, message: 'disk full' }).kind).toBe('transient');
    expect(classifyFailure({ code: 'INTERNAL', refused: false, message: 'socket closed' }).kind).toBe('transient');
    // A relay answering for another tree id (restarting, or rejoined its tree): the next connection learns it.
    expect(classifyFailure({ code: 'FOREIGN_TREE', refused: true, message: 'x' }).kind).toBe('transient');
  });

  it('stops on final refusals, saying what to do', () => {
    const quota = classifyFailure({
      code: 'FULL',
      refused: true,
      message: 'storage quota of key ab… is used up on this relay (100 shards)',
    });
    expect(quota.kind).toBe('final');
    expect(quota.reason).toContain('allowance');
    expect(classifyFailure({ code: 'FORBIDDEN', refused: true, message: '' }).kind).toBe('final');
    expect(classifyFailure({ code: 'HASH_MISMATCH', refused: true, message: '' }).kind).toBe('final');
    const released = classifyFailure({ code: 'RELEASED', refused: true, message: 'shard 0123abcd… was deleted' });
    expect(released).toMatchObject({ kind: 'final' });
    expect(released.reason).toContain('deleted while it was being stored');
    expect(classifyFailure({ code: 'MISSING', refused: false, message: '' }).kind).toBe('final');
    expect(classifyFailure({ code: 'BAD_INPUT', refused: true, message: '' }).kind).toBe('final');
    for (const f of ['FORBIDDEN', 'RELEASED', 'MISSING', 'BAD_INPUT'])
      expect(classifyFailure({ code: f, refused: true, message: 'shard 0123abcd' }).reason).not.toMatch(/[0-9a-f]{8}/);
  });
});

describe('nextAttemptAt', () => {
  it('backs off exponentially with jitter, bounded', () => {
    expect(nextAttemptAt(1, 1000, 0)).toBe(1000 + UPLOAD_RETRY_BASE_MS / 2);
    expect(nextAttemptAt(1, 1000, 1)).toBe(1000 + UPLOAD_RETRY_BASE_MS);
    expect(nextAttemptAt(3, 0, 1)).toBe(4 * UPLOAD_RETRY_BASE_MS);
    expect(nextAttemptAt(40, 0, 1)).toBe(UPLOAD_RETRY_MAX_MS);
    expect(nextAttemptAt(40, 0, 0)).toBe(UPLOAD_RETRY_MAX_MS / 2);
    expect(nextAttemptAt(0, 0, 1)).toBe(UPLOAD_RETRY_BASE_MS);
  });
});

describe('isDue / nextWake', () => {
  it('sends what is due, everything on reconnect, never what is stopped', () => {
    expect(isDue({ stopped: false }, 0)).toBe(true);
    expect(isDue({ stopped: false, nextAttemptAt: 100 }, 50)).toBe(false);
    expect(isDue({ stopped: false, nextAttemptAt: 100 }, 100)).toBe(true);
    expect(isDue({ stopped: false, nextAttemptAt: 100 }, 50, true)).toBe(true);
    expect(isDue({ stopped: true, nextAttemptAt: null }, 50, true)).toBe(false);
    expect(
      nextWake(
        [
          { stopped: false, nextAttemptAt: 300 },
          { stopped: false, nextAttemptAt: 200 },
          { stopped: true, nextAttemptAt: 100 },
          { stopped: false },
        ],
        0,
      ),
    ).toBe(200);
    expect(nextWake([{ stopped: false, nextAttemptAt: 10 }], 50)).toBe(50);
    expect(nextWake([], 0)).toBe(null);
  });
});

describe('what the runner does after a failure', () => {
  const transient = { kind: 'transient', reason: 'waiting for 2 more relays to join the network' } as const;
  const final = {
    kind: 'final',
    reason: 'the relays do not allow this file to be stored; ask whoever runs your relay, or delete the file',
  } as const;

  it('reads an error as a failure: a missing shard, a connection problem, a refusal', () => {
    expect(failureOf({ code: 'INTERNAL', message: 'socket closed', refused: false })).toEqual({
      code: 'CONNECTION',
      message: 'socket closed',
      refused: false,
    });
    expect(failureOf({ code: 'INTERNAL', message: 'relay bug', refused: true }).code).toBe('INTERNAL');
    expect(failureOf({ code: 'INTERNAL', message: 'gone', refused: false }, true).code).toBe('MISSING');
    expect(classifyFailure(failureOf({ code: 'INTERNAL', message: 'gone', refused: false }, true)).kind).toBe('final');
  });

  it('backs a transient failure off from now and stops a final one', () => {
    expect(afterFailure(transient, 3, 'UNAVAILABLE: x', 10_000, 0)).toEqual({
      attempts: 3,
      lastError: 'UNAVAILABLE: x',
      stopped: false,
      nextAttemptAt: 10_000 + (4 * UPLOAD_RETRY_BASE_MS) / 2,
    });
    expect(afterFailure(final, 1, 'FORBIDDEN: y', 10_000, 0.5)).toEqual({
      attempts: 1,
      lastError: 'FORBIDDEN: y',
      stopped: true,
      nextAttemptAt: null,
    });
  });

  it('keeps the file queued with what it waits for, or shows the error', () => {
    expect(uploadAfterFailure(transient)).toEqual({ status: 'queued', error: null, waiting: transient.reason });
    expect(uploadAfterFailure(final)).toEqual({ status: 'error', error: final.reason, waiting: null });
  });

  it('ends the pass on a transient failure, goes on after a final one', () => {
    expect(continuesAfter(transient)).toBe(false);
    expect(continuesAfter(final)).toBe(true);
  });

  it("sends a file's memory only once its upload left the outbox and the file is stored", () => {
    expect(memoryStep({ uploadPending: true, stored: false })).toBe('wait');
    expect(memoryStep({ uploadPending: false, stored: true })).toBe('send');
    expect(memoryStep({ uploadPending: false, stored: false })).toBe('drop');
  });
});

describe('dueInOrder', () => {
  it('keeps the due items, oldest first, and all waiting ones after a reconnect', () => {
    const items = [
      { id: 'c', createdAt: 3, stopped: false, nextAttemptAt: null },
      { id: 'a', createdAt: 1, stopped: false, nextAttemptAt: 5_000 },
      { id: 'b', createdAt: 2, stopped: true, nextAttemptAt: null },
      { id: 'd', createdAt: 1, stopped: false, nextAttemptAt: 500 },
    ];
    expect(dueInOrder(items, 1_000).map((i) => i.id)).toEqual(['d', 'c']);
    expect(dueInOrder(items, 1_000, true).map((i) => i.id)).toEqual(['a', 'd', 'c']);
  });
});
