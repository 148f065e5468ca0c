// The admin status and /metrics go to the operator only: a token, or a direct request from this machine.
import { createServer, request, type Server } from 'node:http';
import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../node-relay/http/api.ts';
import { serveMetrics } from '../../../node-relay/http/metrics.ts';
import { loadAccessPolicy, type AccessPolicy } from '../../../node-relay/http/access.ts';
import {
  buildStatus,
  EMPTY_STORAGE,
  LONE_ROOT,
  publicStatus,
  PUBLIC_STATUS_FIELDS,
  type StatusSources,
} from '../../../node-relay/status.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const METRICS = 'metrics-token-0123456789abcdef';

const sources: StatusSources = {
  self: {
    id: 'aaaaaaaaaaaaaaaa',
    publicKey: 'ab'.repeat(32),
    treeId: 'cd'.repeat(16),
    url: 'https://127.0.0.1:1',
    version: '0.1.0',
    maxPeers: 4,
    replicas: 3,
  },
  tree: () => ({ ...LONE_ROOT, members: [{ position: 0, id: 'aaaaaaaaaaaaaaaa', url: 'https://10.0.0.1:1' }] }),
  storage: () => EMPTY_STORAGE,
  uptimeMs: () => 1,
  connections: () => 1,
  peers: () => [{ id: 'cccccccccccccccc', role: 'client' }],
  drops: () => ({}),
} as unknown as StatusSources;

function serve(policy: AccessPolicy): Promise<Server> {
  const api = createApi(sources, policy);
  const server = createServer((req, res) => {
    if (req.url === '/metrics')
      serveMetrics({ status: () => buildStatus(sources), messageStats: () => new Map() }, req, res, policy);
    else api.handle(req, res, '/api/status');
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

function get(
  server: Server,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const port = (server.address() as { port: number }).port;
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers, timeout: 5_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

describe('status access', () => {
  let open: Server;
  let tokenOnly: Server;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peertree-access-'));
    await writeFile(join(dir, 'admin'), ADMIN + '\n');
    await writeFile(join(dir, 'metrics'), METRICS);
    await chmod(join(dir, 'admin'), 0o600);
    await chmod(join(dir, 'metrics'), 0o600);
    open = await serve(await loadAccessPolicy({}));
    tokenOnly = await serve(
      await loadAccessPolicy({
        adminTokenFile: join(dir, 'admin'),
        metricsTokenFile: join(dir, 'metrics'),
        adminTokenOnly: true,
      }),
    );
  });
  afterAll(() => {
    open.close();
    tokenOnly.close();
  });

  it('shows the admin view to a direct request from this machine', async () => {
    const doc = JSON.parse((await get(open, '/api/status')).body);
    expect(doc.view).toBe('admin');
    expect(JSON.stringify(doc)).toContain('cccccccccccccccc');
  });

  it('shows the public view when asked: the relays of the tree, but no client ids or counters', async () => {
    const doc = JSON.parse((await get(open, '/api/status?view=public')).body);
    expect(doc.view).toBe('public');
    for (const field of [
      'id',
      'treeId',
      'position',
      'epoch',
      'parent',
      'children',
      'size',
      'depth',
      'shards',
      'bytes',
      'outbox',
    ])
      expect(doc).toHaveProperty(field);
    expect(JSON.stringify(doc)).not.toContain('cccccccccccccccc');
    expect(doc.members).toEqual([{ position: 0, id: 'aaaaaaaaaaaaaaaa', url: 'https://10.0.0.1:1' }]);
    for (const field of ['peers', 'drops', 'tree', 'apps', 'refusals']) expect(doc).not.toHaveProperty(field);
  });

  it('treats a request relayed by a proxy or sent by another web site as public', async () => {
    for (const headers of [
      { 'x-forwarded-for': '203.0.113.9' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { host: 'rebound.example:1' },
    ] as Record<string, string>[]) {
      expect(JSON.parse((await get(open, '/api/status', headers)).body).view).toBe('public');
    }
  });

  it('refuses /metrics to a proxied request and serves it to this machine', async () => {
    expect((await get(open, '/metrics', { forwarded: 'for=203.0.113.9' })).status).toBe(403);
    expect((await get(open, '/metrics')).status).toBe(200);
  });

  it('needs the token when token-only: admin token for both, metrics token for /metrics alone', async () => {
    expect(JSON.parse((await get(tokenOnly, '/api/status')).body).view).toBe('public');
    expect(JSON.parse((await get(tokenOnly, '/api/status', { authorization: `Bearer ${ADMIN}` })).body).view).toBe(
      'admin',
    );
    expect(JSON.parse((await get(tokenOnly, '/api/status', { authorization: `Bearer ${METRICS}` })).body).view).toBe(
      'public',
    );
    expect((await get(tokenOnly, '/metrics')).status).toBe(403);
    expect((await get(tokenOnly, '/metrics', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(403);
    expect((await get(tokenOnly, '/metrics', { authorization: `Bearer ${METRICS}` })).status).toBe(200);
    expect((await get(tokenOnly, '/metrics', { authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  });

  it('keeps only the listed fields in the public view', () => {
    expect(Object.keys(publicStatus(buildStatus(sources))).sort()).toEqual(
      ['view', ...PUBLIC_STATUS_FIELDS.filter((f) => buildStatus(sources)[f] !== undefined)].sort(),
    );
  });

  it('refuses a short token file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peertree-access-'));
    await writeFile(join(dir, 't'), 'short');
    await expect(loadAccessPolicy({ adminTokenFile: join(dir, 't') })).rejects.toThrow(/at least 16/);
  });
});
