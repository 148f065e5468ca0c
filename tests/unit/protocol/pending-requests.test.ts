// A connection's waiting requests settle once each: by their reply, the peer's refusal, a time-out or a close.
import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import { PendingRequests, type RequestTimers } from '../../../core/protocol/pending-requests.ts';
import { ERROR_TYPE } from '../../../core/protocol/replies.ts';
import type { Message } from '../../../core/wire/index.ts';

/** Timers that fire only when the test says so. */
function manualTimers(): RequestTimers & { fireAll(): void; live(): number } {
  const due = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout: (fn) => (due.set(next, fn), next++),
    clearTimeout: (h) => void due.delete(h as number),
    fireAll: () => [...due.entries()].forEach(([h, fn]) => (due.delete(h), fn())),
    live: () => due.size,
  };
}

const ID = 'ab'.repeat(16);
function message(type: string, body: unknown): Message {
  return {
    v: 1,
    type,
    tree: '',
    from: '00'.repeat(32),
    to: null,
    id: 'cd'.repeat(16),
    ts: 0,
    body,
    fromId: '0'.repeat(16),
    fromKey: new Uint8Array(32),
    payload: null,
  };
}

describe('PendingRequests', () => {
  it('resolves a request with the message whose body.re names it, and clears its timer', async () => {
    const timers = manualTimers();
    const table = new PendingRequests(timers, 4);
    const reply = table.wait(ID, 'shard.get', 1_000);
    expect(table.settle(message('shard.data', { re: ID, hash: 'x' }))).toBe('answered');
    await expect(reply).resolves.toMatchObject({ type: 'shard.data' });
    expect(table.size).toBe(0);
    expect(timers.live()).toBe(0);
  });

  it('rejects with the refusal the peer sent, marked as refused', async () => {
    const table = new PendingRequests(manualTimers(), 4);
    const reply = table.wait(ID, 'shard.store', 1_000);
    table.settle(message(ERROR_TYPE, { re: ID, code: 'FULL', message: 'quota used up' }));
    await expect(reply).rejects.toMatchObject({ code: 'FULL', message: 'quota used up', refused: true });
  });

  it('reads a refusal with an unknown code as INTERNAL', async () => {
    const table = new PendingRequests(manualTimers(), 4);
    const reply = table.wait(ID, 'x.y', 1_000);
    table.settle(message(ERROR_TYPE, { re: ID, code: 'NO_SUCH_CODE' }));
    await expect(reply).rejects.toMatchObject({ code: 'INTERNAL', refused: true });
  });

  it('rejects with TIMEOUT when no reply comes in time, and forgets the request', async () => {
    const timers = manualTimers();
    const table = new PendingRequests(timers, 4);
    const reply = table.wait(ID, 'search.query', 35_000);
    timers.fireAll();
    await expect(reply).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'no reply to search.query within 35000 ms',
      refused: false,
    });
    expect(table.settle(message('search.results', { re: ID }))).toBe('message');
  });

  it('tells a stray refusal from a message for the connection itself', () => {
    const table = new PendingRequests(manualTimers(), 4);
    expect(table.settle(message(ERROR_TYPE, { re: ID, code: 'FULL' }))).toBe('stray-refusal');
    expect(table.settle(message('tree.heartbeat', { seq: 1 }))).toBe('message');
    expect(table.settle(message('shard.data', { re: 'not-an-id' }))).toBe('message');
  });

  it('refuses a request beyond its bound with FULL, without registering it', async () => {
    const table = new PendingRequests(manualTimers(), 1);
    void table.wait(ID, 'a.b', 1_000).catch(() => {});
    const other = 'ef'.repeat(16);
    await expect(table.wait(other, 'a.b', 1_000)).rejects.toMatchObject({ code: 'FULL' });
    expect(table.has(other)).toBe(false);
  });

  it('rejects every waiting request when the connection closes, and a failed send rejects only its own', async () => {
    const timers = manualTimers();
    const table = new PendingRequests(timers, 4);
    const a = table.wait(ID, 'a.b', 1_000);
    const b = table.wait('ef'.repeat(16), 'a.b', 1_000);
    table.fail(ID, new PeerTreeError('FULL', 'peer is not reading'));
    await expect(a).rejects.toMatchObject({ code: 'FULL' });
    table.rejectAll(new PeerTreeError('CLOSED', 'link closed'));
    await expect(b).rejects.toMatchObject({ code: 'CLOSED' });
    expect(table.size).toBe(0);
    expect(timers.live()).toBe(0);
  });

  it('refuses a bound that is not a positive integer (misuse throws)', () => {
    expect(() => new PendingRequests(manualTimers(), 0)).toThrow(PeerTreeError);
  });
});
