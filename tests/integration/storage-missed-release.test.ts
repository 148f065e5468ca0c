// A holder that was down when its owner deleted a shard does not keep that copy forever: when it comes back, its
// repair sweep audits the other holders, which released the shard and hand it the owner's own signed release; it
// checks the signature and that the release is newer than its pin, and collects its copy. A release not signed by
// the owner, or older than the pin, removes nothing. Three real relays on loopback, replicas 3, sweeps every
// 400 ms (--repair-interval); r1's key is known to the test, so that it can speak as that member relay does.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { signPin, type PinStatement } from '../../core/storage/pin.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import {
  getStatus,
  killAll,
  relayDirWithKey,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';

const FLAGS = ['--log-level', 'error', '--repair-interval', '400'];
const dir = tmpDir('peertree-missed-release-');
const relays: RelayProcess[] = [];
const dataDirs = [0, 1, 2].map((i) => join(dir.path, `r${i}`));
let member: Identity;

function randomShard(): { bytes: Uint8Array; hash: string } {
  const bytes = new Uint8Array(randomBytes(4096));
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}

const onDisk = (i: number, hash: string) => existsSync(join(dataDirs[i]!, 'shards', hash.slice(0, 2), hash));

async function treeOf(size: number): Promise<void> {
  await waitFor(
    `a tree of ${size}`,
    async () => {
      const sizes = await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size));
      return sizes.every((s) => s === size) ? true : null;
    },
    60_000,
  );
}

/** Stores `bytes` with 3 replicas as `owner`, its pin signed at `ts`, through r0. */
async function store(owner: Identity, hash: string, bytes: Uint8Array, ts: number): Promise<void> {
  const link = await connect(relays[0]!.ready.url, { identity: owner });
  try {
    const stored = await new ShardClient(link, { identity: owner, now: () => ts }).storeShard(hash, bytes, 3);
    expect(stored.holders.length).toBe(3);
  } finally {
    link.close(1000, 'done');
  }
}

/** Sends `unpin` to r2 as the member relay r1 does when it passes on a release; resolves with r2's answer. */
async function releaseOnR2AsMember(unpin: PinStatement): Promise<unknown> {
  const link = await connect(relays[2]!.ready.url, {
    identity: member,
    role: 'relay',
    expectedId: relays[2]!.ready.id,
  });
  try {
    return await link.request('shard.unpin', { unpin, local: true }, 10_000).then(
      (reply) => reply.body,
      (err: unknown) => err,
    );
  } finally {
    link.close(1000, 'done');
  }
}

beforeAll(async () => {
  member = await relayDirWithKey(dataDirs[1]!);
  relays.push(await startRelayProcess(dataDirs[0]!, FLAGS, 30_000));
  for (const i of [1, 2])
    relays.push(await startRelayProcess(dataDirs[i]!, [...FLAGS, '--join', relays[0]!.ready.url], 30_000));
  await treeOf(3);
  expect(relays[1]!.ready.id).toBe(member.id);
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  dir.remove();
});

describe('a release a holder missed while it was down', () => {
  it('reaches it when it is back, through the other holders, and its copy is collected', async () => {
    const { identity: owner } = await generateIdentity();
    const { bytes, hash } = randomShard();
    await store(owner, hash, bytes, Date.now() - 1000);
    for (const i of [0, 1, 2]) expect(onDisk(i, hash)).toBe(true);

    // r2 restarts (SIGTERM: same data dir, same port) and the owner deletes the shard while it is down.
    const port = relays[2]!.port;
    await relays[2]!.stop('SIGTERM');
    const link = await connect(relays[0]!.ready.url, { identity: owner });
    try {
      // Released on the two that answered; the one down is reported, so that the person can be told.
      expect(await new ShardClient(link, { identity: owner, now: Date.now }).release(hash)).toEqual({
        released: 2,
        unreached: 1,
      });
    } finally {
      link.close(1000, 'done');
    }
    expect(onDisk(0, hash) || onDisk(1, hash)).toBe(false);
    expect(onDisk(2, hash)).toBe(true);

    relays[2] = await startRelayProcess(dataDirs[2]!, [...FLAGS, '--join', relays[0]!.ready.url], 30_000, port);
    await treeOf(3);
    // Within a few sweeps r2 audits the others, gets the owner's release from them, and collects its copy.
    await waitFor('the restarted holder to drop its copy', async () => (onDisk(2, hash) ? null : true), 30_000, 200);
    for (const i of [0, 1, 2]) expect(onDisk(i, hash)).toBe(false);
    const pushed = await Promise.all(
      [0, 1].map(
        async (i) =>
          ((await getStatus(relays[i]!.ready.url)).apps as Record<string, Record<string, number>>).storage!
            .releasesPushed!,
      ),
    );
    expect(pushed[0]! + pushed[1]!).toBeGreaterThan(0);
  }, 120_000);

  it('removes nothing on a release signed by another key, or older than the pin', async () => {
    const { identity: owner } = await generateIdentity();
    const { identity: stranger } = await generateIdentity();
    const { bytes, hash } = randomShard();
    const pinned = Date.now() - 1000;
    await store(owner, hash, bytes, pinned);
    for (const i of [0, 1, 2]) expect(onDisk(i, hash)).toBe(true);

    // A release naming the owner but signed by a stranger does not verify.
    const real = await signPin(owner, 'unpin', hash, Date.now());
    const byStranger = await signPin(stranger, 'unpin', hash, Date.now());
    expect(await releaseOnR2AsMember({ ...real, sig: byStranger.sig })).toMatchObject({ code: 'BAD_SIGNATURE' });
    // The stranger's own release releases only the stranger's pin, and there is none.
    expect(await releaseOnR2AsMember(byStranger)).toMatchObject({ released: 0 });
    // The owner's own release, signed before the pin it would remove (a replay of an older delete).
    expect(await releaseOnR2AsMember(await signPin(owner, 'unpin', hash, pinned - 1))).toMatchObject({ released: 0 });
    // Several sweeps later every copy is still there.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const i of [0, 1, 2]) expect(onDisk(i, hash)).toBe(true);
  }, 60_000);
});
