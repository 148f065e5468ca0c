// The relay's mailboxes with an injected clock: bounded counts, write-once slots, expiry, close.
import { describe, expect, it } from 'vitest';
import { MailboxStore } from '../../../node-relay/mailbox/mailbox-store.ts';

const id = (n: number): string => n.toString(16).padStart(64, '0');
const data = new Uint8Array([1, 2, 3]);

describe('the mailbox store', () => {
  it('keeps a slot written once and refuses a second write', () => {
    const s = new MailboxStore();
    s.open(id(1), 1_000, 'k', 0);
    expect(s.take(id(1), 0, 1)).toBeNull();
    s.put(id(1), 0, data, 1);
    expect([...s.take(id(1), 0, 2)!]).toEqual([1, 2, 3]);
    expect(() => s.put(id(1), 0, data, 3)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => s.open(id(1), 1_000, 'k', 3)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
  });

  it('forgets a box at its expiry and counts it', () => {
    const s = new MailboxStore();
    s.open(id(1), 1_000, 'k', 0);
    s.put(id(1), 1, data, 999);
    expect(() => s.take(id(1), 1, 1_000)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(s.expired).toBe(1);
    expect(s.size).toBe(0);
  });

  it('bounds boxes per key and in total, and frees a key’s share on close', () => {
    const s = new MailboxStore({ maxBoxes: 3, maxPerKey: 2 });
    s.open(id(1), 1_000, 'a', 0);
    s.open(id(2), 1_000, 'a', 0);
    expect(() => s.open(id(3), 1_000, 'a', 0)).toThrow(expect.objectContaining({ code: 'FULL' }));
    s.open(id(3), 1_000, 'b', 0);
    expect(() => s.open(id(4), 1_000, 'c', 0)).toThrow(expect.objectContaining({ code: 'FULL' }));
    s.close(id(1), 1);
    s.open(id(4), 1_000, 'a', 1);
    expect(() => s.close(id(1), 2)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
