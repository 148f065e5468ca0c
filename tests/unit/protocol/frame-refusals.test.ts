import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import {
  clockWords,
  closeRefusal,
  DROP_ANSWERS,
  refusalWords,
  unreadableReply,
} from '../../../core/protocol/frame-refusals.ts';
import { DROP_REASONS } from '../../../core/wire/verifier.ts';

const NOW = 1_800_000_000_000;

describe('frame refusals', () => {
  it('says by how much and which way this device’s clock is off the relay’s, and what to do', () => {
    expect(clockWords(NOW + 10 * 60_000, NOW)).toBe(
      "this device's clock is 10 minutes ahead of the relay's; set the clock and try again",
    );
    expect(clockWords(NOW - 61 * 60_000, NOW)).toBe(
      "this device's clock is 61 minutes behind the relay's; set the clock and try again",
    );
    expect(clockWords(NOW, null)).toMatch(/more than 5 minutes off the relay's; set the clock/);
  });

  it('fails the request a reply answers when this side refused that reply as stale, by the relay time it carries', () => {
    const frame = { id: 'ab'.repeat(16), ts: NOW, re: 'cd'.repeat(16) };
    const unread = unreadableReply('stale', frame, NOW + 10 * 60_000);
    expect(unread?.re).toBe('cd'.repeat(16));
    expect(unread?.error).toMatchObject({ code: 'STALE', message: expect.stringContaining('10 minutes ahead') });
    expect(unreadableReply('foreign-tree', frame, NOW)?.error.code).toBe('FOREIGN_TREE');
    expect(unreadableReply('bad-signature', frame, NOW)).toBeNull(); // a forgery fails nothing
    expect(unreadableReply('stale', { ...frame, re: null }, NOW)).toBeNull(); // not a reply
    expect(refusalWords('stale', NOW + 10 * 60_000, NOW)).toBe(
      "this device's clock is 10 minutes ahead of the relay's; set the clock and try again",
    );
  });

  it('turns a refusal close into its own code and words, and leaves other closes to the caller', () => {
    const stale = closeRefusal(4425, '', NOW);
    expect(stale).toBeInstanceOf(PeerTreeError);
    expect(stale?.code).toBe('STALE');
    expect(stale?.message).toContain('set the clock');
    expect(closeRefusal(4429, refusalWords('replay-sender-full'), NOW)?.code).toBe('RATE_LIMITED');
    expect(closeRefusal(4421, '', NOW)?.code).toBe('FOREIGN_TREE');
    expect(closeRefusal(1013, 'busy', NOW)?.message).toBe('the relay closed the connection: busy');
    expect(closeRefusal(1000, 'done', NOW)).toBeNull();
    expect(closeRefusal(1001, 'shutting down', NOW)).toBeNull();
    expect(closeRefusal(4999, '', NOW)).toBeNull(); // unknown codes are not refusals
  });

  it('answers the refusals a sender can act on and nothing a correct sender never causes', () => {
    const answered = DROP_REASONS.filter((r) => DROP_ANSWERS[r] !== 'none');
    expect(answered).toEqual(['foreign-tree', 'stale', 'replay-sender-full', 'replay-full']);
    for (const r of answered) expect(refusalWords(r, NOW, NOW)).toMatch(/retry|try again/);
  });
});
