// A release that reaches a relay before the copy it releases (an interrupted put: the client releases a shard
// while the first holder's forward of it is still on the way) is remembered there, so the late copy, which carries
// the owner's pin signed before the release, is refused and nothing of it stays. Real relays on loopback; the
// "late forward" is sent by a member relay's own key, exactly as a first holder sends it (shard.put).
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { signPin } from '../../core/storage/pin.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import {
  getStatus,
  killAll,
  relayDirWithKey,
  shardOn,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';

const dir = tmpDir('peertree-release-race-');
const relays: RelayProcess[] = [];
let member: Identity;

function randomShard(): { bytes: Uint8Array; hash: string } {
  const bytes = new Uint8Array(randomBytes(4096));
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}

beforeAll(async () => {
  // r1's key is known to the test, so that it can send a shard.put as that member relay does when it forwards.
  const memberData = join(dir.path, 'r1');
  member = await relayDirWithKey(memberData);
  const flags = ['--log-level', 'error'];
  relays.push(await startRelayProcess(join(dir.path, 'r0'), flags));
  relays.push(await startRelayProcess(memberData, [...flags, '--join', relays[0]!.ready.url]));
  await waitFor('a tree of 2', async () => ((await getStatus(relays[0]!.ready.url)).size === 2 ? true : null));
  expect(relays[1]!.ready.id).toBe(member.id);
}, 90_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  killAll();
  dir.remove();
});

describe('a release that arrives before the copy', () => {
  it('makes the relay refuse a forwarded copy whose pin was signed before the release', async () => {
    const { identity: owner } = await generateIdentity();
    const { bytes, hash } = randomShard();
    const pin = await signPin(owner, 'pin', hash, Date.now() - 1000);
    const target = relays[0]!;

    // The owner's release (the interrupted put's clean-up) reaches the relay first: it holds nothing yet.
    const client = await connect(target.ready.url, { identity: owner });
    try {
      const unpin = await signPin(owner, 'unpin', hash, Date.now());
      await expect(client.request('shard.unpin', { unpin }, 30_000)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      client.close(1000, 'done');
    }

    // Then the first holder's forward lands, with the owner's pin signed at put time.
    const link = await connect(target.ready.url, { identity: member, role: 'relay', expectedId: target.ready.id });
    try {
      const put = {
        hash,
        holders: [member.id, target.ready.id],
        pins: [{ owner: pin.owner, ts: pin.ts, sig: pin.sig }],
      };
      await expect(link.request('shard.put', put, 10_000, { payload: bytes })).rejects.toMatchObject({
        code: 'RELEASED',
      });
    } finally {
      link.close(1000, 'done');
    }
    expect(await shardOn(target.ready.url, hash)).toBe(false);
    expect((await getStatus(target.ready.url)).shards).toBe(0);
  }, 60_000);

  it("refuses the owner's own late store of a pin older than its release, yet keeps a newer pin", async () => {
    const { identity: owner } = await generateIdentity();
    const { bytes, hash } = randomShard();
    const url = relays[1]!.ready.url;
    let clock = Date.now() - 1000;
    const link = await connect(url, { identity: owner });
    try {
      // A pin signed at `clock`, a release signed a second later; the store with the earlier pin comes last.
      const early = new ShardClient(link, { identity: owner, now: () => clock });
      const late = new ShardClient(link, { identity: owner, now: () => clock + 1000 });
      await expect(late.unpin(hash)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(early.storeShard(hash, bytes, 2)).rejects.toMatchObject({ code: 'RELEASED' });
      for (const r of relays) expect(await shardOn(r.ready.url, hash)).toBe(false);

      // Putting the same bytes again later (a pin newer than the release) is a new put, and is kept on both.
      clock = Date.now() + 5000;
      const again = await early.storeShard(hash, bytes, 2);
      expect(again.holders.length).toBe(2);
      for (const r of relays) expect(await shardOn(r.ready.url, hash)).toBe(true);
      expect(await late.unpin(hash)).toBe(2);
      for (const r of relays) expect(await shardOn(r.ready.url, hash)).toBe(false);
    } finally {
      link.close(1000, 'done');
    }
  }, 60_000);
});
