// The outbox retry policy: what waits, what fails, how the row says it, when the next attempt is.
import { describe, expect, it } from 'vitest';
import { classifyFailure, isDue, nextAttemptAt, nextWake, RETRY_BASE_MS, RETRY_MAX_MS } from '../../../core/outbox/policy.ts';

describe('classifyFailure', () => {
  it('waits out a tree too small for the replica count, in plain words', () => {
    const v = classifyFailure({ code: 'UNAVAILABLE', refused: true, message: 'need 3 relays for 3 replicas, but the tree has 1' });
    expect(v).toEqual({ kind: 'transient', reason: 'waiting for 2 more relays to join the network' });
    expect(classifyFailure({ code: 'UNAVAILABLE', refused: true, message: 'need 2 relays for 2 replicas, but the tree has 1' }).reason).toBe('waiting for 1 more relay to join the network');
  });

  it('waits out connection trouble and time-outs', () => {
    for (const code of ['CLOSED', 'TIMEOUT', 'CONNECTION', 'UNAVAILABLE', 'RATE_LIMITED']) {
      expect(classifyFailure({ code, refused: false, message: 'x' }).kind).toBe('transient');
    }
    expect(classifyFailure({ code: 'FULL', refused: true, message: 'disk full' }).kind).toBe('transient');
    expect(classifyFailure({ code: 'INTERNAL', refused: false, message: 'socket closed' }).kind).toBe('transient');
  });

  it('stops on final refusals, saying what to do', () => {
    const quota = classifyFailure({ code: 'FULL', refused: true, message: 'storage quota of key ab… is used up on this relay (100 shards)' });
    expect(quota.kind).toBe('final');
    expect(quota.reason).toContain('allowance');
    expect(classifyFailure({ code: 'FORBIDDEN', refused: true, message: '' }).kind).toBe('final');
    expect(classifyFailure({ code: 'HASH_MISMATCH', refused: true, message: '' }).kind).toBe('final');
    expect(classifyFailure({ code: 'MISSING', refused: false, message: '' }).kind).toBe('final');
    expect(classifyFailure({ code: 'BAD_INPUT', refused: true, message: '' }).kind).toBe('final');
    for (const f of ['FORBIDDEN', 'MISSING', 'BAD_INPUT']) expect(classifyFailure({ code: f, refused: true, message: 'shard 0123abcd' }).reason).not.toMatch(/[0-9a-f]{8}/);
  });
});

describe('nextAttemptAt', () => {
  it('backs off exponentially with jitter, bounded', () => {
    expect(nextAttemptAt(1, 1000, 0)).toBe(1000 + RETRY_BASE_MS / 2);
    expect(nextAttemptAt(1, 1000, 1)).toBe(1000 + RETRY_BASE_MS);
    expect(nextAttemptAt(3, 0, 1)).toBe(4 * RETRY_BASE_MS);
    expect(nextAttemptAt(40, 0, 1)).toBe(RETRY_MAX_MS);
    expect(nextAttemptAt(40, 0, 0)).toBe(RETRY_MAX_MS / 2);
    expect(nextAttemptAt(0, 0, 1)).toBe(RETRY_BASE_MS);
  });
});

describe('isDue / nextWake', () => {
  it('sends what is due, everything on reconnect, never what is stopped', () => {
    expect(isDue({ stopped: false }, 0)).toBe(true);
    expect(isDue({ stopped: false, nextAttemptAt: 100 }, 50)).toBe(false);
    expect(isDue({ stopped: false, nextAttemptAt: 100 }, 100)).toBe(true);
    expect(isDue({ stopped: false, nextAttemptAt: 100 }, 50, true)).toBe(true);
    expect(isDue({ stopped: true, nextAttemptAt: null }, 50, true)).toBe(false);
    expect(nextWake([{ stopped: false, nextAttemptAt: 300 }, { stopped: false, nextAttemptAt: 200 }, { stopped: true, nextAttemptAt: 100 }, { stopped: false }], 0)).toBe(200);
    expect(nextWake([{ stopped: false, nextAttemptAt: 10 }], 50)).toBe(50);
    expect(nextWake([], 0)).toBe(null);
  });
});
