// A real relay process: ready line, lone-relay status, API errors, CLI status, restart persistence, SIGTERM, flags.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getStatus, killAll, rawRequest, runCli, startRelayProcess, tmpDir } from './relay-harness.ts';

const dirs: { remove(): void }[] = [];
const tmp = () => {
  const d = tmpDir();
  dirs.push(d);
  return d.path;
};

// The CLI's settings (a default relay) come from PEERTREE_HOME: never the real home folder's, never the machine's.
process.env.PEERTREE_HOME = join(tmp(), 'home');
delete process.env.PEERTREE_RELAY;

afterAll(() => {
  killAll();
  for (const d of dirs) d.remove();
});

describe('a lone relay', () => {
  it('prints its ready line, serves a lone-root status, answers unknown API paths with JSON 404, and exits 0 on SIGTERM', async () => {
    const relay = await startRelayProcess(join(tmp(), 'data'));
    try {
      const { ready } = relay;
      expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.id).toMatch(/^[a-z2-7]{16}$/);
      expect(ready.treeId).toMatch(/^[0-9a-f]{32}$/);
      expect(ready.position).toBe(0);
      expect(ready.pid).toBe(relay.proc.pid);

      const res = await rawRequest(ready.url, '/api/status');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      const status = JSON.parse(res.body.toString('utf8'));
      expect(status).toMatchObject({
        id: ready.id,
        treeId: ready.treeId,
        publicKey: ready.publicKey,
        url: ready.url,
        position: 0,
        epoch: 1,
        parent: null,
        children: [],
        size: 1,
        depth: 0,
        shards: 0,
        bytes: 0,
        outbox: 0,
        connections: 0,
      });
      expect(typeof status.version).toBe('string');
      expect(status.uptimeMs).toBeGreaterThanOrEqual(0);
      expect(status.drops['bad-signature']).toBe(0);
      // No secrets: neither the seed nor the TLS key appear in the status.
      const seed = readFileSync(join(ready.data, 'identity.seed'), 'utf8').trim();
      expect(res.body.toString('utf8')).not.toContain(seed);
      expect(res.body.toString('utf8')).not.toContain('PRIVATE KEY');

      const missing = await rawRequest(ready.url, '/api/nope');
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.body.toString('utf8'))).toEqual({
        error: { code: 'NOT_FOUND', message: expect.any(String) },
      });

      const post = await rawRequest(ready.url, '/api/status', 'POST');
      expect(post.status).toBe(400);

      const cli = await runCli(['status', '--relay', ready.url]);
      expect(cli.code).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject({ id: ready.id, treeId: ready.treeId, position: 0, size: 1 });
      const viaWs = await runCli(['status', '--relay', ready.ws]);
      expect(viaWs.code).toBe(0);
      expect(JSON.parse(viaWs.stdout).id).toBe(ready.id);

      expect(await relay.stop('SIGTERM')).toBe(0);
      expect(relay.stderr()).toContain('shutting down');
    } finally {
      await relay.stop('SIGKILL');
    }
  });

  it('keeps its identity, tree id and certificate across a restart, with private file modes', async () => {
    const data = join(tmp(), 'nested', 'data');
    const first = await startRelayProcess(data);
    const certBefore = readFileSync(join(data, 'tls-cert.pem'));
    const keyBefore = readFileSync(join(data, 'tls-key.pem'));
    const firstCode = await first.stop('SIGTERM');
    expect(firstCode, first.stderr()).toBe(0);

    const second = await startRelayProcess(data);
    try {
      expect(second.ready.id).toBe(first.ready.id);
      expect(second.ready.publicKey).toBe(first.ready.publicKey);
      expect(second.ready.treeId).toBe(first.ready.treeId);
      expect(readFileSync(join(data, 'tls-cert.pem')).equals(certBefore)).toBe(true);
      expect(readFileSync(join(data, 'tls-key.pem')).equals(keyBefore)).toBe(true);
      expect(statSync(data).mode & 0o777).toBe(0o700);
      for (const f of ['identity.seed', 'tls-key.pem', 'tree-id'])
        expect(statSync(join(data, f)).mode & 0o777).toBe(0o600);
      expect(statSync(join(data, 'relay.db')).isFile()).toBe(true);
      const status = await getStatus(second.ready.url);
      expect(status.id).toBe(first.ready.id);
      expect(await second.stop('SIGINT')).toBe(0);
    } finally {
      await second.stop('SIGKILL');
    }
  });

  it('serves plain HTTP with --http on loopback', async () => {
    const relay = await startRelayProcess(join(tmp(), 'data'), ['--http']);
    try {
      expect(relay.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await getStatus(relay.ready.url)).position).toBe(0);
    } finally {
      expect(await relay.stop()).toBe(0);
    }
  });

  it('keeps trying an unreachable --join contact, says so on stderr, and is not a member meanwhile', async () => {
    const relay = await startRelayProcess(join(tmp(), 'data'), ['--join', 'https://127.0.0.1:9']);
    try {
      for (let i = 0; i < 50 && !/join attempt failed/.test(relay.stderr()); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(relay.stderr()).toMatch(/join attempt failed/);
      expect(await getStatus(relay.ready.url)).toMatchObject({
        position: -1,
        phase: 'idle',
        parent: null,
        children: [],
      });
    } finally {
      await relay.stop();
    }
  });
});

describe('the CLI', () => {
  it('rejects bad flags with exit code 2 and a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['relay', '--port', '70000'], /--port must be an integer/],
      [['relay', '--bogus'], /unknown flag --bogus/],
      [['relay', '--http', '--host', '0.0.0.0'], /loopback/],
      [['relay', '--cert', 'x.pem'], /--cert and --key/],
      [['status'], /which relay\? give --relay URL/],
      [['remember', '--relay', 'https://127.0.0.1:1'], /give the TEXT/],
      [['search', 'x'], /which relay\? give --relay URL/],
      [['put', 'file.txt'], /which relay\? give --relay URL/],
      [['get', 'not-a-capability', '--relay', 'https://127.0.0.1:1'], /capability/],
      [['frobnicate'], /unknown command/],
    ];
    // One at a time: ten CLIs started at once on two loaded vCPUs were seen to take over 20 s each.
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 120_000);

  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/peertree <command>/);
    const relayHelp = await runCli(['relay', '--help']);
    expect(relayHelp.code).toBe(0);
    expect(relayHelp.stdout).toMatch(/--max-peers/);
  });

  it('status fails with exit 1 when no relay answers', async () => {
    const r = await runCli(['status', '--relay', 'https://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach/);
  });
});
