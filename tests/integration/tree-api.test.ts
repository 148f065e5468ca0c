// The tree inside relays started in-process (startRelay): the application API (members, send, request/
// reply, errors, broadcast, linkTo, membership changes), a graceful leave of the root, and join control
// (allowlist, operator-signed join tokens, refusals with FORBIDDEN). Loopback only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../core/bytes.ts';
import type { PeerTreeError } from '../../core/errors.ts';
import { generateIdentity } from '../../core/identity/index.ts';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { parseRelayArgs } from '../../node-relay/config/relay-config.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay, type Relay } from '../../node-relay/relay.ts';
import { makeJoinToken } from '../../node-relay/tree/join-control.ts';
import type { MembershipChange } from '../../node-relay/tree/tree-api.ts';
import { runCli, startRelayProcess, tmpDir } from './relay-harness.ts';

const dir = tmpDir('peertree-tree-api-');
const started: Relay[] = [];
let count = 0;

async function relay(args: string[] = []): Promise<Relay> {
  const parsed = parseRelayArgs([
    '--port',
    '0',
    '--data',
    join(dir.path, `r${count++}`),
    '--static',
    join(dir.path, 'no-dist'),
    '--max-peers',
    '2',
    ...args,
  ]);
  if (parsed.ok !== true) throw new Error(`bad flags ${args.join(' ')}`);
  const r = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }));
  started.push(r);
  return r;
}

async function until<T>(what: string, check: () => T | null | false, timeoutMs = 20_000): Promise<T> {
  for (let i = 0; i < timeoutMs / 50; i++) {
    const v = check();
    if (v !== null && v !== false) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sizeIs =
  (n: number, ...rs: Relay[]) =>
  () =>
    rs.every((r) => r.status().size === n && r.status().position >= 0 && r.status().epoch === rs[0]!.status().epoch);

afterAll(async () => {
  await Promise.all(started.map((r) => r.close()));
  dir.remove();
});

describe('the tree application API', () => {
  it('routes sends, requests, replies, errors and broadcasts between relays, and reports membership changes', async () => {
    const a = await relay();
    const b = await relay(['--join', a.url]);
    const c = await relay(['--join', b.url]);
    await until('three members', sizeIs(3, a, b, c));
    expect(b.treeId).toBe(a.treeId);
    expect(c.tree.members().map((m) => m.id)).toEqual(a.tree.members().map((m) => m.id));
    expect(a.tree.members()[0]).toEqual({ id: a.id, url: a.url, position: 0 });

    const got: string[] = [];
    c.tree.on('test.note', (m) => {
      got.push(`${m.from}:${(m.body as { n: number }).n}:${m.broadcast}`);
    });
    b.tree.send(c.id, 'test.note', { n: 1 });
    await until('the note', () => got.length === 1);
    expect(got).toEqual([`${b.id}:1:false`]);

    c.tree.on('test.add', (m, reply) => {
      const { x, y } = m.body as { x: number; y: number };
      reply!('test.sum', { sum: x + y });
    });
    c.tree.on('test.fail', () => {
      throw new Error('nope');
    });
    await expect(a.tree.request(c.id, 'test.add', { x: 2, y: 3 }, 5_000)).resolves.toEqual({
      from: c.id,
      type: 'test.sum',
      body: { sum: 5 },
    });
    await expect(a.tree.request(c.id, 'test.fail', {}, 5_000)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(a.tree.request(c.id, 'test.unknown', {}, 5_000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.tree.request(b.id, 'test.silent', {}, 1_500)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    b.tree.on('test.silent', () => {});
    await expect(a.tree.request(b.id, 'test.silent', {}, 1_500)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(() => c.tree.on('test.add', () => {})).toThrow(/already registered/);

    const seen: Record<string, number> = {};
    for (const r of [a, b])
      r.tree.on('test.note', (m) => void (seen[r.id] = (seen[r.id] ?? 0) + (m.broadcast ? 1 : 0)));
    c.tree.broadcast('test.note', { n: 2 });
    await until('the broadcast everywhere', () => seen[a.id] === 1 && seen[b.id] === 1 && got.length === 2);
    expect(got[1]).toBe(`${c.id}:2:true`);

    const link = await a.tree.linkTo(c.id);
    expect(link.peerId).toBe(c.id);
    expect(await a.tree.linkTo(c.id)).toBe(link);
    await expect(a.tree.linkTo('aaaaaaaaaaaaaaaa')).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    const changes: MembershipChange[] = [];
    a.tree.onMembership((ch) => changes.push(ch));
    const d = await relay(['--join', c.url]);
    await until('four members', sizeIs(4, a, b, c, d));
    expect(changes.at(-1)).toMatchObject({ added: [d.id], departed: [], position: 0 });

    // The root leaves gracefully: the last relay (d) takes position 0 at once, no time-out involved.
    expect(await a.leave()).toBe(true);
    await until('three members after the root left', sizeIs(3, b, c, d), 3_000);
    expect(d.tree.position).toBe(0);
    expect(a.status()).toMatchObject({ phase: 'left', position: -1 });
  }, 60_000);
});

describe('join control', () => {
  it('admits relays on the allowlist or with an operator-signed token and refuses others with FORBIDDEN', async () => {
    const { identity: operator } = await generateIdentity();
    const root = await relay(['--operator-key', toHex(operator.publicKey), '--allow', 'aaaaaaaaaaaaaaaa']);

    const stranger = await relay(['--join', root.url]);
    const refused = await new Promise<PeerTreeError>((resolve) => stranger.onTreeFatal(resolve));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/join refused: .*no join token/);
    expect(root.status().size).toBe(1);

    // A token for another relay id is refused too; the right one admits.
    const wrong = join(dir.path, 'wrong-token.json');
    writeFileSync(wrong, JSON.stringify(await makeJoinToken(operator, 'bbbbbbbbbbbbbbbb')));
    const withWrong = await relay(['--join', root.url, '--join-token', wrong]);
    await expect(new Promise<PeerTreeError>((resolve) => withWrong.onTreeFatal(resolve))).resolves.toMatchObject({
      code: 'FORBIDDEN',
      message: /not bbbbbbbbbbbbbbbb|is for relay bbbbbbbbbbbbbbbb/,
    });

    // The joiner's id is known only once its data folder exists: start it alone first, then with its token.
    const dataDir = join(dir.path, 'token-holder');
    const parsed = parseRelayArgs(['--port', '0', '--data', dataDir, '--static', join(dir.path, 'no-dist')]);
    if (parsed.ok !== true) throw new Error('bad flags');
    const first = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }));
    const id = first.id;
    await first.close();
    const tokenFile = join(dir.path, 'token.json');
    writeFileSync(tokenFile, JSON.stringify(await makeJoinToken(operator, id, { tree: root.treeId })));
    const again = parseRelayArgs([
      '--port',
      '0',
      '--data',
      dataDir,
      '--static',
      join(dir.path, 'no-dist'),
      '--max-peers',
      '2',
      '--join',
      root.url,
      '--join-token',
      tokenFile,
    ]);
    if (again.ok !== true) throw new Error('bad flags');
    const member = await startRelay(again.value, defaultComponents({ logger: silentLogger }));
    started.push(member);
    await until('the token holder in the tree', sizeIs(2, root, member));
    expect(member.treeId).toBe(root.treeId);
  }, 60_000);

  it('makes a refused `peertree relay --join` exit 1 with the reason on stderr', async () => {
    const { identity: operator } = await generateIdentity();
    const root = await startRelayProcess(join(dir.path, 'closed-root'), ['--operator-key', toHex(operator.publicKey)]);
    try {
      const r = await runCli(
        ['relay', '--port', '0', '--data', join(dir.path, 'refused'), '--join', root.ready.url],
        30_000,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot join the tree: join refused: .*join token.*\(FORBIDDEN\)/);
    } finally {
      await root.stop('SIGKILL');
    }
  }, 60_000);
});
