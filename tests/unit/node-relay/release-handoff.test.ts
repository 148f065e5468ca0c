// Handing on releases: a relay audited for a shard it released sends the auditor the owners' own signed releases
// it keeps (the newest ones, bounded), as local shard.unpin requests with a short time-out, and nothing when it
// keeps no signed release; a refusal by the auditor is not an error of the audit.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PeerTreeError } from '../../../core/errors.ts';
import { generateIdentity } from '../../../core/identity/index.ts';
import { RELEASE_PUSH_TIMEOUT_MS, RELEASES_PUSHED_PER_AUDIT } from '../../../core/limits.ts';
import { UNPIN } from '../../../core/protocol/shard-messages.ts';
import { signPin, verifyPin, type PinStatement } from '../../../core/storage/pin.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { PinIndex } from '../../../node-relay/replication/pin-index.ts';
import { handOnReleases } from '../../../node-relay/replication/release-handoff.ts';

const H = 'ab'.repeat(32);

/** The auditor's end of the link: records each request, answers with `answer`. */
function auditor(answer: (unpin: PinStatement) => Promise<unknown>) {
  const sent: { type: string; unpin: PinStatement; local: unknown; timeoutMs: number }[] = [];
  return {
    sent,
    link: {
      peerId: 'auditor',
      request: async (type: string, body: unknown, timeoutMs: number) => {
        const b = body as { unpin: PinStatement; local: unknown };
        sent.push({ type, unpin: b.unpin, local: b.local, timeoutMs });
        return { body: await answer(b.unpin) } as never;
      },
    },
  };
}

describe('handOnReleases', () => {
  it("sends the owners' signed releases it keeps, exactly as they signed them, as local releases", async () => {
    const pins = new PinIndex(new Database(':memory:'));
    const { identity: owner } = await generateIdentity();
    const release = await signPin(owner, 'unpin', H, 2000);
    pins.add(H, { owner: release.owner, ts: 1000, sig: 'cd'.repeat(64) }, 4096);
    pins.release(H, release.owner, release.ts, release.sig);
    const { link, sent } = auditor(async () => ({ hash: H, released: 1 }));
    expect(await handOnReleases(pins, link, H, 30_000, silentLogger)).toBe(1);
    expect(sent).toEqual([{ type: UNPIN, unpin: release, local: true, timeoutMs: RELEASE_PUSH_TIMEOUT_MS }]);
    expect(await verifyPin(sent[0]!.unpin)).toBe(true);
  });

  it('sends nothing for a shard with no signed release kept, and at most the newest ones otherwise', async () => {
    const pins = new PinIndex(new Database(':memory:'));
    pins.releaseEarly(H, '01'.repeat(32), Date.now(), Date.now()); // a tombstone from before signatures were kept
    const { link, sent } = auditor(async () => ({ hash: H, released: 0 }));
    expect(await handOnReleases(pins, link, H, 30_000, silentLogger)).toBe(0);
    const n = RELEASES_PUSHED_PER_AUDIT + 3;
    const now = Date.now();
    for (let i = 0; i < n; i++)
      pins.releaseEarly(H, (i + 2).toString(16).padStart(64, '0'), now + i, now, 'cd'.repeat(64));
    expect(await handOnReleases(pins, link, H, 30_000, silentLogger)).toBe(RELEASES_PUSHED_PER_AUDIT);
    expect(sent.length).toBe(RELEASES_PUSHED_PER_AUDIT);
    const times = sent.map((s) => s.unpin.ts);
    // The newest ones: the 3 oldest (now, now + 1, now + 2) are left out.
    expect(Math.min(...times)).toBe(now + 3);
    expect(Math.max(...times)).toBe(now + n - 1);
  });

  it('takes a refusal by the auditor in its stride, and a shorter link time-out', async () => {
    const pins = new PinIndex(new Database(':memory:'));
    pins.releaseEarly(H, '01'.repeat(32), Date.now(), Date.now(), 'cd'.repeat(64));
    const { link, sent } = auditor(async () => {
      throw new PeerTreeError('BAD_SIGNATURE', 'the release is not signed by the owner it names', { refused: true });
    });
    await expect(handOnReleases(pins, link, H, 500, silentLogger)).resolves.toBe(1);
    expect(sent[0]!.timeoutMs).toBe(500);
  });
});
