// Limits on real relays, each with a clear error: a full shard store (--capacity) refuses with FULL and stays
// intact, a per-key quota (--quota) refuses one key but not another, a message flood (--rate-limit) is
// answered RATE_LIMITED, counted, and closed with 4429, and a peer that stops answering keep-alive pings is cut.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newMessageId } from '../../core/wire/index.ts';
import { parseRelayArgs } from '../../node-relay/config/relay-config.ts';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay } from '../../node-relay/relay.ts';
import {
  getStatus,
  killAll,
  rawSession,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
  lastLine,
} from './relay-harness.ts';

const dir = tmpDir('peertree-limits-');
process.env.PEERTREE_HOME = join(dir.path, 'home');
const relays: RelayProcess[] = [];

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

describe('limits', () => {
  it('a full shard store refuses with FULL, keeps every stored file intact, and still takes what fits', async () => {
    const relay = await startRelayProcess(join(dir.path, 'full'), [
      '--replicas',
      '1',
      '--capacity',
      '2M',
      '--log-level',
      'error',
    ]);
    relays.push(relay);
    const stored: [string, string][] = [];
    for (const name of ['a', 'b']) {
      const path = file(name, 1_000_000);
      const put = await runCli(['put', path, '--relay', relay.ready.url, '--replicas', '1', '--public']);
      expect(put.code, put.stderr).toBe(0);
      stored.push([path, lastLine(put.stdout)]);
    }
    const refused = await runCli(['put', file('c', 200_000), '--relay', relay.ready.url, '--replicas', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/shard store is full/);
    expect(refused.stderr).not.toMatch(/INTERNAL|TypeError/);
    // What fits still goes in, and everything stored before the refusal comes back byte for byte.
    const small = await runCli(['put', file('d', 100), '--relay', relay.ready.url, '--replicas', '1']);
    expect(small.code, small.stderr).toBe(0);
    for (const [path, cap] of stored) {
      const out = `${path}.out`;
      expect((await runCli(['get', cap, '--relay', relay.ready.url, '-o', out])).code).toBe(0);
      expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
    }
    const status = await getStatus(relay.ready.url);
    expect(status.bytes as number).toBeLessThanOrEqual(2 * 1024 * 1024);
    // No partial or corrupt shard on disk, no temporary file left behind.
    const shards = join(relay.ready.data, 'shards');
    expect(readdirSync(join(shards, 'tmp'))).toEqual([]);
    const names = readdirSync(shards)
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => readdirSync(join(shards, d)).map((n) => join(shards, d, n)));
    expect(names.length).toBe(status.shards);
    for (const n of names) expect(createHash('sha256').update(readFileSync(n)).digest('hex')).toBe(n.slice(-64));
  }, 60_000);

  it('a per-key quota refuses a key that used it up, with a clear error, and not other keys', async () => {
    const relay = await startRelayProcess(join(dir.path, 'quota'), [
      '--replicas',
      '1',
      '--quota',
      '3',
      '--log-level',
      'error',
    ]);
    relays.push(relay);
    const alice = ['--identity', join(dir.path, 'alice.seed')];
    const first = await runCli(['put', file('q1', 20_000), '--relay', relay.ready.url, '--replicas', '1', ...alice]);
    expect(first.code, first.stderr).toBe(0); // a shard and its manifest (above the inline size): 2 pins of 3
    const second = await runCli(['put', file('q2', 20_000), '--relay', relay.ready.url, '--replicas', '1', ...alice]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/storage quota of key [0-9a-f]{12}… is used up on this relay \(3 shards\)/);
    // The same bytes again need no new pin: not refused.
    expect(
      (await runCli(['get', lastLine(first.stdout), '--relay', relay.ready.url, '-o', join(dir.path, 'q1.out')])).code,
    ).toBe(0);
    const bob = await runCli([
      'put',
      file('q3', 100),
      '--relay',
      relay.ready.url,
      '--replicas',
      '1',
      '--identity',
      join(dir.path, 'bob.seed'),
    ]);
    expect(bob.code, bob.stderr).toBe(0);
  }, 60_000);

  it('a flood of messages is answered RATE_LIMITED, counted, and closed with 4429; others are served', async () => {
    const relay = await startRelayProcess(join(dir.path, 'rate'), ['--rate-limit', '20', '--log-level', 'error']);
    relays.push(relay);
    const session = await rawSession(relay.ready.ws);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 1500; i++)
      frames.push(await session.frame('peer.ping', { nonce: `n${i}` }, { id: newMessageId() }));
    // First more than the key's burst (4 × 20) but less than the address's (16 × 20): the key limit answers
    // RATE_LIMITED. Then the rest at once: the address limit closes the link. (Sent all at once, the address limit
    // could close the link while admitted frames were still being verified, before the key limit had answered.)
    for (const f of frames.slice(0, 150)) session.ws.send(f);
    await session.waitFor((m) => m.type === 'peer.error' && (m.body as { code?: string }).code === 'RATE_LIMITED');
    for (const f of frames.slice(150)) session.ws.send(f);
    const { code } = await session.closed;
    expect(code).toBe(4429);
    const pongs = session.received.filter((m) => m.type === 'peer.pong').length;
    const limited = session.received.filter(
      (m) => m.type === 'peer.error' && (m.body as { code?: string }).code === 'RATE_LIMITED',
    ).length;
    expect(pongs).toBeGreaterThan(0);
    expect(pongs).toBeLessThan(200); // the burst (4 × 20), and what refilled meanwhile
    expect(limited).toBeGreaterThanOrEqual(1);
    const drops = (await getStatus(relay.ready.url)).drops;
    expect(drops['rate-limited']).toBeGreaterThan(1000);
    expect(drops['rate-limit-close']).toBe(1);
    // Once the address's bucket has refilled (it refills at 80/s), a well-behaved peer is served again.
    await new Promise((r) => setTimeout(r, 4_500));
    const other = await rawSession(relay.ready.ws);
    const id = newMessageId();
    other.ws.send(await other.frame('peer.ping', { nonce: 'calm' }, { id }));
    await other.waitFor((m) => m.type === 'peer.pong' && (m.body as { re?: string }).re === id);
    other.ws.close();
  }, 60_000);

  it('cuts a connection that stops answering keep-alive pings, and keeps one that answers', async () => {
    const parsed = parseRelayArgs([
      '--port',
      '0',
      '--data',
      join(dir.path, 'keepalive'),
      '--http',
      '--log-level',
      'error',
    ]);
    if (parsed.ok !== true) throw new Error('bad flags');
    const relay = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }), {
      keepaliveIntervalMs: 200,
    });
    try {
      const stuck = await rawSession(relay.wsUrl);
      const lively = await rawSession(relay.wsUrl);
      (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing, answers no ping
      const deadline = Date.now() + 10_000;
      while (relay.connections.counters['keepalive-timeout'] === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(relay.connections.counters['keepalive-timeout']).toBe(1);
      const id = newMessageId();
      lively.ws.send(await lively.frame('peer.ping', { nonce: 'still' }, { id }));
      await lively.waitFor((m) => m.type === 'peer.pong' && (m.body as { re?: string }).re === id);
      expect(existsSync(relay.dataDir.path)).toBe(true);
      lively.ws.close();
      stuck.ws.terminate();
    } finally {
      await relay.close();
    }
  }, 30_000);
});
