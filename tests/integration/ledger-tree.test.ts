// The ledger on real relays: register → transfer → transfer with identical history on 8 relays; a double
// transfer refused everywhere; a relay started later catches up; a tampered record rejected; the root killed
// mid-stream with no record lost or duplicated. Assets are real stored files: only the key that stored
// (pinned) a file's manifest can register it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getStatus,
  killAll,
  lastLine,
  waitFor,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from './relay-harness.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { loadClientIdentity } from '../../node-relay/cli/client-identity.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { recordId, signRecord, type LedgerRecord } from '../../core/ledger/record.ts';

const dir = tmpDir('peertree-ledger-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
const relays: RelayProcess[] = [];
const dead = new Set<number>();
let ASSET = '';
const keyFile = (name: string) => join(dir.path, `${name}.seed`);

/** Stores a small file as `name` (CLI put with that key) and returns its asset: the manifest hash. */
async function storeAs(name: string, text: string, via = 1): Promise<string> {
  const file = join(dir.path, `${name}-${text.length}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, text);
  const put = await runCli(['put', file, '--relay', relays[via]!.ready.url, '--identity', keyFile(name)], 60_000);
  if (put.code !== 0) throw new Error(put.stderr);
  return parseCapability(lastLine(put.stdout)).manifest;
}

async function identityOf(name: string): Promise<Identity> {
  return loadClientIdentity(keyFile(name));
}

function lines(text: string): Record<string, unknown>[] {
  return text.trim() === ''
    ? []
    : text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function history(i: number, asset = ASSET): Promise<string[]> {
  const r = await runCli(['ledger', 'history', asset, '--relay', relays[i]!.ready.url]);
  if (r.code !== 0) throw new Error(r.stderr);
  return lines(r.stdout).map((e) => `${e.seq}:${e.id}`);
}

async function publicKey(name: string): Promise<string> {
  const r = await runCli(['ledger', 'whoami', '--identity', keyFile(name)]);
  return lines(r.stdout)[0]!.publicKey as string;
}

function live(): number[] {
  return relays.map((_, i) => i).filter((i) => !dead.has(i));
}

beforeAll(async () => {
  for (let i = 0; i < 8; i++) {
    const args = ['--log-level', 'warn', '--max-peers', '2', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])];
    relays.push(await startRelayProcess(join(dir.path, `r${i}`), args, 30_000));
  }
  await waitFor('8 relays in one tree', async () =>
    (await Promise.all(relays.map(async (r) => (await getStatus(r.ready.url)).size))).every((s) => s === 8)
      ? true
      : null,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(relays.map((r, i) => (dead.has(i) ? null : r.stop('SIGKILL'))));
  killAll();
  dir.remove();
});

describe('the ledger on 8 relays', () => {
  it('records register → transfer → transfer with the same history on every relay', async () => {
    const [bob, carol] = [await publicKey('bob'), await publicKey('carol')];
    ASSET = await storeAs('alice', 'my painting, as bytes');
    const reg = await runCli([
      'ledger',
      'register',
      ASSET,
      '--relay',
      relays[3]!.ready.url,
      '--identity',
      keyFile('alice'),
      '--note',
      'my painting',
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    const t1 = await runCli([
      'ledger',
      'transfer',
      ASSET,
      '--to',
      bob,
      '--relay',
      relays[5]!.ready.url,
      '--identity',
      keyFile('alice'),
    ]);
    expect(t1.code, t1.stderr).toBe(0);
    const t2 = await runCli([
      'ledger',
      'transfer',
      ASSET,
      '--to',
      carol,
      '--relay',
      relays[7]!.ready.url,
      '--identity',
      keyFile('bob'),
    ]);
    expect(t2.code, t2.stderr).toBe(0);
    const reference = await history(0);
    expect(reference).toHaveLength(3);
    await waitFor('identical history everywhere', async () =>
      (await Promise.all(live().map((i) => history(i)))).every((h) => JSON.stringify(h) === JSON.stringify(reference))
        ? true
        : null,
    );
    // Bob no longer owns it.
    const theft = await runCli([
      'ledger',
      'transfer',
      ASSET,
      '--to',
      bob,
      '--relay',
      relays[2]!.ready.url,
      '--identity',
      keyFile('bob'),
    ]);
    expect(theft.code).toBe(1);
    expect(theft.stderr).toMatch(/FORBIDDEN: only the current owner/);
  }, 120_000);

  it('refuses the second of two transfers of the same head on every relay', async () => {
    const carol = await identityOf('carol');
    const asset = await storeAs('carol', 'a file carol stored');
    const link = await connect(relays[1]!.ready.url, { identity: carol });
    try {
      const reg = await signRecord(carol, { kind: 'register', asset, prev: null, to: null, note: '' }, Date.now());
      await link.request('ledger.submit', { record: reg }, 20_000, {
        payload: await new ShardClient(link).fetchShard(asset),
      });
      const head = await recordId(reg);
      const [x, y] = [(await generateIdentity()).identity, (await generateIdentity()).identity];
      const toX = await signRecord(
        carol,
        { kind: 'transfer', asset, prev: head, to: Buffer.from(x.publicKey).toString('hex'), note: '' },
        Date.now(),
      );
      const toY = await signRecord(
        carol,
        { kind: 'transfer', asset, prev: head, to: Buffer.from(y.publicKey).toString('hex'), note: '' },
        Date.now() + 1,
      );
      const other = await connect(relays[6]!.ready.url, { identity: carol });
      const results = await Promise.allSettled([
        link.request('ledger.submit', { record: toX }, 20_000),
        other.request('ledger.submit', { record: toY }, 20_000),
      ]);
      other.close();
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'CONFLICT' });
      const reference = await history(0, asset);
      expect(reference).toHaveLength(2);
      await waitFor('same two records everywhere', async () =>
        (await Promise.all(live().map((i) => history(i, asset)))).every(
          (h) => JSON.stringify(h) === JSON.stringify(reference),
        )
          ? true
          : null,
      );
    } finally {
      link.close();
    }
  }, 60_000);

  it('rejects a tampered record', async () => {
    const mallory = (await generateIdentity()).identity;
    const link = await connect(relays[4]!.ready.url, { identity: mallory });
    try {
      const rec = await signRecord(
        mallory,
        { kind: 'register', asset: 'c3'.repeat(32), prev: null, to: null, note: 'honest' },
        Date.now(),
      );
      await expect(
        link.request('ledger.submit', { record: { ...rec, note: 'tampered' } }, 20_000),
      ).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
      await expect(link.request('ledger.submit', { record: { ...rec, kind: 'steal' } }, 20_000)).rejects.toMatchObject({
        code: 'BAD_INPUT',
      });
    } finally {
      link.close();
    }
    expect(await history(0, 'c3'.repeat(32))).toEqual([]);
  });

  it('lets a relay started later catch up, and every copy verifies', async () => {
    relays.push(
      await startRelayProcess(
        join(dir.path, 'late'),
        ['--log-level', 'warn', '--max-peers', '2', '--join', relays[2]!.ready.url],
        30_000,
      ),
    );
    const late = relays.length - 1;
    const reference = await history(0);
    await waitFor('the late relay has the history', async () =>
      JSON.stringify(await history(late)) === JSON.stringify(reference) ? true : null,
    );
    for (const i of live()) {
      const v = await runCli(['ledger', 'verify', '--relay', relays[i]!.ready.url]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(lines(v.stdout)[0]).toMatchObject({ ok: true, entries: 5 }); // 3 records of the first asset, 2 of the second
    }
  }, 90_000);

  it('loses and duplicates nothing when the root is killed mid-stream', async () => {
    const owner = await identityOf('dave');
    const asset = await storeAs('dave', 'a file with sixteen records', 2);
    const records: LedgerRecord[] = [
      await signRecord(owner, { kind: 'register', asset, prev: null, to: null, note: '' }, Date.now()),
    ];
    for (let i = 1; i < 16; i++)
      records.push(
        await signRecord(
          owner,
          { kind: 'annotate', asset, prev: await recordId(records[i - 1]!), to: null, note: `note ${i}` },
          Date.now() + i,
        ),
      );
    const entry = 3;
    for (const [i, record] of records.entries()) {
      if (i === 6) {
        relays[0]!.proc.kill('SIGKILL');
        dead.add(0);
      }
      // A client retries until a relay accepts: resubmitting the same signed record never duplicates it.
      await waitFor(
        `record ${i} accepted`,
        async () => {
          const link = await connect(relays[entry]!.ready.url, { identity: owner, timeoutMs: 5_000 });
          try {
            // A registration carries the manifest shard (the root checks who signed it).
            await link.request(
              'ledger.submit',
              { record },
              8_000,
              record.kind === 'register' ? { payload: await new ShardClient(link).fetchShard(asset) } : {},
            );
            return true;
          } catch (err) {
            if (
              (err as { code?: string }).code === 'CONFLICT' &&
              /already in the ledger/.test(String((err as Error).message))
            )
              return true;
            throw err;
          } finally {
            link.close();
          }
        },
        60_000,
      );
    }
    const ids = await Promise.all(records.map((r) => recordId(r)));
    const alive = live();
    await waitFor(
      'every live relay has all 16 records once',
      async () => {
        const all = await Promise.all(alive.map((i) => history(i, asset)));
        return all.every(
          (h) => h.length === 16 && JSON.stringify(h.map((x) => x.split(':')[1])) === JSON.stringify(ids),
        )
          ? true
          : null;
      },
      60_000,
    );
    for (const i of alive) {
      const v = await runCli(['ledger', 'verify', '--relay', relays[i]!.ready.url]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }
  }, 180_000);
});
