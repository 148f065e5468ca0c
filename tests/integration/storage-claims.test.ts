// Storage claims on real relays (issue #14): every pin is its owner's signed claim, capacity and quotas charge
// what a shard really costs, and one client request makes a relay ask a bounded number of others.
// - A member relay forges pins in a victim's name (unsigned, and signed with its own key): refused (FORBIDDEN,
//   BAD_SIGNATURE) and counted; the victim's quota is not charged, its signed delete works and the shard is
//   collected on every holder.
// - 2,000 shards of 16 bytes against a 256 KiB store: refused with FULL once their real cost (blocks and
//   metadata) reaches it, long before their payload does; what was stored is intact.
// - A per-key byte quota refuses one key and not another.
// - A get or a release of a hash nobody holds asks at most MAX_FAN_OUT_PER_REQUEST relays of a tree of 7.
// Every wait is bounded.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../core/bytes.ts';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { MAX_FAN_OUT_PER_REQUEST } from '../../core/limits.ts';
import { signPin } from '../../core/storage/pin.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import type { Link } from '../../node-relay/ws/link.ts';
import {
  getStatus,
  killAll,
  lastLine,
  rawRequest,
  relayDirWithKey,
  runCli,
  shardOn,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';

const dir = tmpDir('peertree-claims-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
const relays: RelayProcess[] = [];
const TREE = 7;
let member: Identity;

/** The victim's key file (the CLI makes it at first use) and its public key. */
const victimSeed = join(dir.path, 'victim.seed');

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  killAll();
  dir.remove();
});

function file(name: string, size: number): string {
  const path = join(dir.path, name);
  writeFileSync(path, randomBytes(size));
  return path;
}

async function storageCounter(url: string, name: string): Promise<number> {
  const status = await getStatus(url);
  const apps = status.apps as Record<string, Record<string, unknown>> | undefined;
  const value = apps?.storage?.[name] ?? (status as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : 0;
}

/** Shards the CLI stored for a capability: the manifest's hash (the capability names it) and the others. */
function manifestHashOf(capability: string): string {
  return capability.split('.')[1]!;
}

describe('storage claims', () => {
  beforeAll(async () => {
    // The member's seed file is made first so that the test can speak with its key once it has joined.
    const memberData = join(dir.path, 'r1');
    member = await relayDirWithKey(memberData);
    const flags = ['--replicas', '3', '--quota', '4', '--log-level', 'error'];
    relays.push(await startRelayProcess(join(dir.path, 'r0'), flags));
    for (let i = 1; i < TREE; i++)
      relays.push(await startRelayProcess(join(dir.path, `r${i}`), [...flags, '--join', relays[0]!.ready.url]));
    await waitFor(
      'a tree of 7',
      async () => ((await getStatus(relays[0]!.ready.url)).size === TREE ? true : null),
      60_000,
    );
    expect(relays[1]!.ready.id).toBe(member.id);
  }, 120_000);

  it("refuses a member's forged pins in a victim's name, charges the victim nothing, and the victim's signed delete still collects the shard", async () => {
    const url = relays[0]!.ready.url;
    const victim = ['--identity', victimSeed];
    const put = await runCli(['put', file('victim.bin', 20_000), '--relay', url, '--public', ...victim]);
    expect(put.code, put.stderr).toBe(0);
    const capability = lastLine(put.stdout);
    const hash = manifestHashOf(capability);
    const holders = (
      await Promise.all(relays.map(async (r) => ((await shardOn(r.ready.url, hash)) ? r : null)))
    ).filter((r) => r !== null);
    expect(holders.length).toBe(3);
    const bytes = new Uint8Array((await rawRequest(holders[0]!.ready.url, `/api/shards/${hash}`)).body);
    const victimKey = (await runCli(['ledger', 'whoami', ...victim])).stdout.match(/[0-9a-f]{64}/)?.[0];
    expect(victimKey).toMatch(/^[0-9a-f]{64}$/);

    // The member relay, with its own key, tells each holder to keep the shard for the victim "until the end of time".
    const forgedBefore = await Promise.all(holders.map((h) => storageCounter(h.ready.url, 'forgedPins')));
    const ownSig = await signPin(member, 'pin', hash, Date.now() + 10 ** 12);
    for (const h of holders.filter((x) => x.ready.id !== member.id)) {
      const link: Link = await connect(h.ready.url, { identity: member, role: 'relay', expectedId: h.ready.id });
      try {
        const unsigned = { hash, holders: [], pins: [{ owner: victimKey, ts: Date.now() + 10 ** 12, sig: '' }] };
        await expect(link.request('shard.put', unsigned, 10_000, { payload: bytes })).rejects.toMatchObject({
          code: 'FORBIDDEN',
        });
        const signedByMember = { hash, holders: [], pins: [{ owner: victimKey, ts: ownSig.ts, sig: ownSig.sig }] };
        await expect(link.request('shard.put', signedByMember, 10_000, { payload: bytes })).rejects.toMatchObject({
          code: 'BAD_SIGNATURE',
        });
        // Junk in the victim's name, to fill its quota (4 shards here): refused the same way.
        for (let i = 0; i < 4; i++) {
          const junk = randomBytes(64);
          const junkHash = createHash('sha256').update(junk).digest('hex');
          const body = { hash: junkHash, holders: [], pins: [{ owner: victimKey, ts: Date.now(), sig: '' }] };
          await expect(link.request('shard.put', body, 10_000, { payload: junk })).rejects.toMatchObject({
            code: 'FORBIDDEN',
          });
        }
      } finally {
        link.close(1000, 'done');
      }
    }
    const forgedAfter = await Promise.all(holders.map((h) => storageCounter(h.ready.url, 'forgedPins')));
    holders.forEach((h, i) => {
      if (h.ready.id !== member.id) expect(forgedAfter[i]! - forgedBefore[i]!).toBe(6);
    });

    // The victim's quota (4 shards per relay) was not charged: another file of 2 shards still goes in.
    const second = await runCli(['put', file('victim2.bin', 20_000), '--relay', url, '--public', ...victim]);
    expect(second.code, second.stderr).toBe(0);

    // The victim's signed delete works, and no holder serves the shard afterwards.
    const del = await runCli(['delete', capability, '--relay', url, ...victim]);
    expect(del.code, del.stderr).toBe(0);
    for (const r of relays) expect(await shardOn(r.ready.url, hash)).toBe(false);
  }, 120_000);

  it('answers a get and a release of a hash nobody holds after asking at most MAX_FAN_OUT_PER_REQUEST relays, and counts them', async () => {
    const entry = relays[3]!.ready.url;
    const { identity } = await generateIdentity();
    const link = await connect(entry, { identity });
    try {
      const before = await storageCounter(entry, 'fanOut');
      const random = randomBytes(32).toString('hex');
      await expect(link.request('shard.get', { hash: random }, 30_000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const afterGet = await storageCounter(entry, 'fanOut');
      expect(afterGet - before).toBeGreaterThan(0);
      expect(afterGet - before).toBeLessThanOrEqual(MAX_FAN_OUT_PER_REQUEST);
      expect(MAX_FAN_OUT_PER_REQUEST).toBeLessThan(TREE - 1); // the bound, not the tree's size, stopped it
      const unpin = await signPin(identity, 'unpin', random, Date.now());
      await expect(link.request('shard.unpin', { unpin }, 30_000)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const afterUnpin = await storageCounter(entry, 'fanOut');
      expect(afterUnpin - afterGet).toBeGreaterThan(0);
      expect(afterUnpin - afterGet).toBeLessThanOrEqual(MAX_FAN_OUT_PER_REQUEST);
    } finally {
      link.close(1000, 'done');
    }
  }, 60_000);
});

describe('what a shard really costs', () => {
  /** Stores 16-byte shards one by one (replicas 1) until one is refused or 2,000 went in. */
  async function storeTiny(
    url: string,
    identity: Identity,
  ): Promise<{ stored: Map<string, Uint8Array>; refusal: unknown }> {
    const link = await connect(url, { identity });
    const transport = new ShardClient(link, { identity, now: Date.now });
    const stored = new Map<string, Uint8Array>();
    let refusal: unknown = null;
    try {
      for (let i = 0; i < 2000 && refusal === null; i++) {
        const bytes = new Uint8Array(randomBytes(16));
        const hash = createHash('sha256').update(bytes).digest('hex');
        await transport.storeShard(hash, bytes, 1).then(
          () => stored.set(hash, bytes),
          (err: unknown) => (refusal = err),
        );
      }
      return { stored, refusal };
    } finally {
      link.close(1000, 'done');
    }
  }

  it('refuses 16-byte shards with FULL once their blocks and metadata reach --capacity, and keeps what it stored intact', async () => {
    const relay = await startRelayProcess(join(dir.path, 'tiny'), [
      '--replicas',
      '1',
      '--capacity',
      '256K',
      '--log-level',
      'error',
    ]);
    relays.push(relay);
    const { identity } = await generateIdentity();
    const { stored, refusal } = await storeTiny(relay.ready.url, identity);
    expect(refusal).toMatchObject({ code: 'FULL', message: expect.stringMatching(/shard store is full/) });
    // At least 4 KiB and 1 KiB of rows each: at most 51 fit in 256 KiB (the payload alone would allow 16,384).
    expect(stored.size).toBeGreaterThan(0);
    expect(stored.size).toBeLessThanOrEqual(Math.floor((256 * 1024) / (4096 + 1024)));
    const status = await getStatus(relay.ready.url);
    expect(status.shards).toBe(stored.size);
    // Everything stored comes back byte for byte, and every file on disk hashes to its name.
    const link = await connect(relay.ready.url);
    try {
      for (const [hash, bytes] of stored) {
        const reply = await link.request('shard.get', { hash }, 10_000);
        expect(toHex(reply.payload!)).toBe(toHex(bytes));
      }
    } finally {
      link.close(1000, 'done');
    }
    const shards = join(relay.ready.data, 'shards');
    const names = readdirSync(shards)
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => readdirSync(join(shards, d)).map((n) => join(shards, d, n)));
    expect(names.length).toBe(stored.size);
    for (const n of names) expect(createHash('sha256').update(readFileSync(n)).digest('hex')).toBe(n.slice(-64));
  }, 60_000);

  it('refuses a key whose byte quota (--quota-bytes) is charged at real cost, and not another key', async () => {
    const relay = await startRelayProcess(join(dir.path, 'bytes-quota'), [
      '--replicas',
      '1',
      '--quota-bytes',
      '40K',
      '--log-level',
      'error',
    ]);
    relays.push(relay);
    const { identity: alice } = await generateIdentity();
    const { stored, refusal } = await storeTiny(relay.ready.url, alice);
    expect(refusal).toMatchObject({
      code: 'FULL',
      message: expect.stringMatching(/storage quota of key [0-9a-f]{12}… is used up on this relay \(40960 bytes\)/),
    });
    expect(stored.size).toBeLessThanOrEqual(Math.floor((40 * 1024) / (4096 + 1024)));
    const { identity: bob } = await generateIdentity();
    const link = await connect(relay.ready.url, { identity: bob });
    try {
      const bytes = new Uint8Array(randomBytes(16));
      const hash = createHash('sha256').update(bytes).digest('hex');
      await expect(
        new ShardClient(link, { identity: bob, now: Date.now }).storeShard(hash, bytes, 1),
      ).resolves.toMatchObject({ holders: [relay.ready.id] });
    } finally {
      link.close(1000, 'done');
    }
  }, 60_000);
});
