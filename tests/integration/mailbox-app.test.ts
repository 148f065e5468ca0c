// The mailbox application on a real relay: a box carries a message between two keys, a take waits for its
// slot, slots are write-once, the box is gone after close or expiry, and refusals are counted in the status.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailboxClient } from '../../core/protocol/mailbox-client.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import { getStatus, killAll, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';

const dir = tmpDir('peertree-mailbox-');
let relay: RelayProcess;
const box = (n: number): string => n.toString(16).padStart(64, 'a');

beforeAll(async () => {
  relay = await startRelayProcess(join(dir.path, 'r0'), ['--log-level', 'warn'], 30_000);
}, 60_000);

afterAll(async () => {
  await relay.stop('SIGKILL');
  killAll();
  dir.remove();
});

describe('the mailbox application', () => {
  it('carries a message from one key to another, once, and forgets the box on close', async () => {
    const a = await connect(relay.ready.url);
    const b = await connect(relay.ready.url);
    try {
      const ma = new MailboxClient(a);
      const mb = new MailboxClient(b);
      await ma.open(box(1), 60_000);
      const waiting = ma.take(box(1), 0, 10_000);
      await mb.put(box(1), 0, new Uint8Array([1, 2, 3]));
      expect([...(await waiting)!]).toEqual([1, 2, 3]);
      await expect(mb.put(box(1), 0, new Uint8Array([9]))).rejects.toMatchObject({ code: 'CONFLICT' });
      await mb.close(box(1));
      await expect(ma.take(box(1), 0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(mb.put(box(2), 0, new Uint8Array(16 * 1024 + 1))).rejects.toMatchObject({ code: 'TOO_LARGE' });
      await expect(ma.open(box(3), 10 * 60 * 1000 + 1)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    } finally {
      a.close();
      b.close();
    }
    const status = (await getStatus(relay.ready.url)) as unknown as { apps: { mailbox: Record<string, number> } };
    expect(status.apps.mailbox).toMatchObject({
      opened: 1,
      stored: 1,
      taken: 1,
      closed: 1,
      refusedConflict: 1,
      refusedGone: 1,
      refusedTooLarge: 1,
      refusedMalformed: 1,
    });
  });

  it('bounds the boxes one key may open and forgets a box at its expiry', async () => {
    const a = await connect(relay.ready.url);
    try {
      const ma = new MailboxClient(a);
      for (let i = 10; i < 14; i++) await ma.open(box(i), 60_000);
      await expect(ma.open(box(14), 60_000)).rejects.toMatchObject({ code: 'FULL' });
      await ma.close(box(10));
      await ma.open(box(15), 200);
      // A take that waits past the expiry answers that the box is gone.
      await expect(ma.take(box(15), 1, 5_000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      a.close();
    }
    const status = (await getStatus(relay.ready.url)) as unknown as { apps: { mailbox: Record<string, number> } };
    expect(status.apps.mailbox.refusedFull).toBe(1);
    expect(status.apps.mailbox.expired).toBeGreaterThanOrEqual(1);
  });
});
