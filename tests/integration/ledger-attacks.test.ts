// Attacks on the ledger by participants holding valid keys, on 5 real relays (k = 2): a reader of a link
// registering someone else's file, a non-root member sending entries (directly and as a tree broadcast), and a
// root that signs two different entries at one sequence number (a forked child, reported as a conflict and
// by `peertree ledger verify`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  lastLine,
  runCli,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';
import { identityOfDataDir, Stranger } from './stranger.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import { toHex } from '../../core/bytes.ts';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { chainOf, type LedgerEntry } from '../../core/ledger/ledger-state.ts';
import { signEntry } from '../../core/ledger/entry.ts';
import { recordId, signRecord } from '../../core/ledger/record.ts';
import { signPin } from '../../core/storage/pin.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { fetchHistory, submitRecord } from '../../core/protocol/ledger-client.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { loadClientIdentity } from '../../node-relay/cli/client-identity.ts';

const dir = tmpDir('peertree-ledger-attacks-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
const relays: RelayProcess[] = [];
const dataDirs: string[] = [];
const keyFile = (name: string) => join(dir.path, `${name}.seed`);

type LedgerStatus = {
  seq: number;
  chain: string;
  notRoot: number;
  unknownSequencer: number;
  conflicts: number;
  registerRefused: number;
  conflicted: { seq: number }[];
};

async function ledgerOf(i: number): Promise<LedgerStatus> {
  return ((await getStatus(relays[i]!.ready.url)) as unknown as { apps: { ledger: LedgerStatus } }).apps.ledger;
}

async function positionOf(i: number): Promise<number> {
  return (await getStatus(relays[i]!.ready.url)).position as number;
}

/** The index in `relays` of the relay at `position`. */
async function atPosition(position: number): Promise<number> {
  for (let i = 0; i < relays.length; i++) if ((await positionOf(i)) === position) return i;
  throw new Error(`no relay at position ${position}`);
}

async function storeAs(name: string, text: string): Promise<{ capability: string; asset: string }> {
  const file = join(dir.path, `${name}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, text);
  const put = await runCli(['put', file, '--relay', relays[1]!.ready.url, '--identity', keyFile(name)], 60_000);
  if (put.code !== 0) throw new Error(put.stderr);
  const capability = lastLine(put.stdout);
  return { capability, asset: parseCapability(capability).manifest };
}

async function historyLength(i: number, asset: string): Promise<number> {
  const r = await runCli(['ledger', 'history', asset, '--relay', relays[i]!.ready.url]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
}

/** An entry at `seq` after `chain`, registering a fresh asset for `author` (with its own pin), signed by `signer`. */
async function forgedEntry(signer: Identity, author: Identity, seq: number, chain: string): Promise<LedgerEntry> {
  const asset = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const record = await signRecord(
    author,
    { kind: 'register', asset, prev: null, to: null, note: 'forged' },
    Date.now(),
  );
  const pin = await signPin(author, 'pin', asset, Date.now());
  const id = await recordId(record);
  const unsigned = { seq, id, record, chain: await chainOf(chain, seq, id), proof: { ts: pin.ts, sig: pin.sig } };
  return { ...unsigned, ...(await signEntry(signer, unsigned)) };
}

beforeAll(async () => {
  for (let i = 0; i < 5; i++) {
    const data = join(dir.path, `r${i}`);
    dataDirs.push(data);
    const args = ['--log-level', 'error', '--max-peers', '2', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])];
    relays.push(await startRelayProcess(data, args, 30_000));
  }
  await waitFor('5 relays in one tree', async () =>
    (await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size))).every((s) => s === 5)
      ? true
      : null,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop('SIGKILL')));
  killAll();
  dir.remove();
});

describe('the ledger under attack', () => {
  it("refuses to register a file for a key that did not store it, or a file that does not exist; the uploader's register works", async () => {
    const { capability, asset } = await storeAs('alice', 'alice uploaded this');
    const before = (await ledgerOf(0)).registerRefused;
    const theft = await runCli([
      'ledger',
      'register',
      capability,
      '--relay',
      relays[3]!.ready.url,
      '--identity',
      keyFile('reader'),
    ]);
    expect(theft.code).toBe(1);
    expect(theft.stderr).toMatch(/FORBIDDEN: only the uploader who signed the manifest can register the asset/);
    // The reader re-stores the manifest shard it can fetch, pinned by its own key (pins are not exclusive): its
    // pin now stands on the holders, and it registers with the manifest as its payload. Refused all the same:
    // the manifest's bytes (the asset) name alice as their signer.
    const reader = await loadClientIdentity(keyFile('reader'));
    const link = await connect(relays[2]!.ready.url, { identity: reader });
    try {
      const client = new ShardClient(link, { identity: reader, now: Date.now });
      const manifest = await client.fetchShard(asset);
      await expect(client.storeShard(asset, manifest, 3)).resolves.toMatchObject({
        holders: expect.arrayContaining([expect.any(String)]),
      });
      const history = await fetchHistory(link, asset);
      await expect(
        submitRecord(link, { identity: reader, now: Date.now }, history, { kind: 'register' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN', refused: true });
      // Nor can it send a manifest of its own making for alice's asset: the bytes must be the asset.
      const record = await signRecord(reader, { kind: 'register', asset, prev: null, to: null, note: '' }, Date.now());
      await expect(
        link.request('ledger.submit', { record }, 20_000, { payload: new TextEncoder().encode('not the manifest') }),
      ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    } finally {
      link.close(1000, 'done');
    }
    // A hash that was never stored has no manifest to send: the client says so before asking the ledger.
    const nothing = await runCli([
      'ledger',
      'register',
      'ee'.repeat(32),
      '--relay',
      relays[2]!.ready.url,
      '--identity',
      keyFile('reader'),
    ]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/NOT_FOUND/);
    expect((await ledgerOf(0)).registerRefused).toBe(before + 3);
    expect(await historyLength(0, asset)).toBe(0);

    const own = await runCli([
      'ledger',
      'register',
      capability,
      '--relay',
      relays[4]!.ready.url,
      '--identity',
      keyFile('alice'),
    ]);
    expect(own.code, own.stderr).toBe(0);
    await waitFor('the registration on every relay', async () =>
      (await Promise.all(relays.map((_, i) => historyLength(i, asset)))).every((n) => n === 1) ? true : null,
    );
  }, 120_000);

  it('refuses ledger.replicate from a member that is not the root, counts it, and keeps nothing', async () => {
    const target = await atPosition(3);
    const member = await atPosition(2);
    const head = await ledgerOf(target);
    const memberKey = await identityOfDataDir(dataDirs[member]!);
    const entry = await forgedEntry(memberKey, (await generateIdentity()).identity, head.seq + 1, head.chain);
    const link = await connect(relays[target]!.ready.url, { identity: memberKey });
    try {
      await expect(link.request('ledger.replicate', { entry }, 10_000)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      link.close();
    }
    const after = await ledgerOf(target);
    expect(after.notRoot).toBe(head.notRoot + 1);
    expect(after.seq).toBe(head.seq);
    expect(await historyLength(target, entry.record.asset)).toBe(0);
  }, 60_000);

  it('ignores a ledger.entry broadcast started by a non-root member, or signed by one in the root’s name, and counts both', async () => {
    const member = await atPosition(1);
    const target = await atPosition(3); // a child of position 1: the broadcast arrives from its parent
    const rootId = (await getStatus(relays[await atPosition(0)]!.ready.url)).id as string;
    const head = await ledgerOf(target);
    const memberKey = await identityOfDataDir(dataDirs[member]!);
    const attacker = await Stranger.impersonating(dataDirs[member]!, relays[member]!.ready.url);
    const asSelf = await forgedEntry(memberKey, memberKey, head.seq + 1, head.chain);
    const asRoot = await forgedEntry(memberKey, memberKey, head.seq + 1, head.chain);
    const ws = relays[target]!.ready.ws;
    expect(
      await attacker.send(ws, 'tree.bcast', {
        mid: `attack-${Date.now()}-1`,
        src: memberKey.id,
        type: 'ledger.entry',
        body: asSelf,
      }),
    ).toBe(true);
    expect(
      await attacker.send(ws, 'tree.bcast', {
        mid: `attack-${Date.now()}-2`,
        src: rootId,
        type: 'ledger.entry',
        body: asRoot,
      }),
    ).toBe(true);
    const after = await waitFor(
      'both broadcasts refused and counted',
      async () => {
        const s = await ledgerOf(target);
        return s.notRoot >= head.notRoot + 1 && s.unknownSequencer >= head.unknownSequencer + 1 ? s : null;
      },
      20_000,
    );
    expect(after.seq).toBe(head.seq);
    expect(await historyLength(target, asSelf.record.asset)).toBe(0);
    expect(await historyLength(target, asRoot.record.asset)).toBe(0);
  }, 60_000);

  it('raises a conflict on a child the root forked, shows it in the status, and ledger verify reports the fork', async () => {
    const root = await atPosition(0);
    const child = await atPosition(4);
    const head = await ledgerOf(root);
    // A malicious root: its own key signs a different entry at the next seq and sends it to one relay only.
    const rootKey = await identityOfDataDir(dataDirs[root]!);
    const forged = await forgedEntry(rootKey, (await generateIdentity()).identity, head.seq + 1, head.chain);
    const link = await connect(relays[child]!.ready.url, { identity: rootKey });
    try {
      await link.request('ledger.replicate', { entry: forged }, 10_000);
    } finally {
      link.close();
    }
    expect((await ledgerOf(child)).seq).toBe(head.seq + 1);
    const clean = await runCli(['ledger', 'verify', '--relay', relays[child]!.ready.url]);
    expect(clean.code, 'before the fork shows, the forked copy verifies on its own').toBe(0);

    // The root then sequences the real entry at that seq for everyone else.
    const { capability } = await storeAs('bob', 'bob uploaded this');
    const real = await runCli([
      'ledger',
      'register',
      capability,
      '--relay',
      relays[1]!.ready.url,
      '--identity',
      keyFile('bob'),
    ]);
    expect(real.code, real.stderr).toBe(0);
    const status = await waitFor(
      'the child reports the conflict',
      async () => {
        const s = await ledgerOf(child);
        return s.conflicts >= 1 ? s : null;
      },
      30_000,
    );
    expect(status.conflicted[0]).toMatchObject({ seq: head.seq + 1 });
    expect(status.seq).toBe(head.seq + 1);
    expect(await historyLength(child, forged.record.asset)).toBe(1);

    for (const i of [child, root]) {
      const v = await runCli(['ledger', 'verify', '--relay', relays[i]!.ready.url], 60_000);
      expect(v.code, v.stdout + v.stderr).toBe(1);
      expect(v.stderr).toMatch(/fork/);
      expect(JSON.parse(v.stdout.trim())).toMatchObject({ ok: false });
    }
  }, 120_000);
});
