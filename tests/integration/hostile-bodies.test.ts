// The original system crashed on a `null` body. Here every message type a relay registers (tree, storage,
// search, ledger, diag, the example app, ping) gets null and wrong-typed bodies, from a client and from a
// peer claiming to be a relay: every request is answered with a clear error (never INTERNAL), nothing is
// stored, and the relay process stays up and keeps answering.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMessageId, type Message } from '../../core/wire/index.ts';
import { parseRelayArgs } from '../../node-relay/config/relay-config.ts';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay } from '../../node-relay/relay.ts';
import { startApps } from '../../node-relay/apps/start-apps.ts';
import { BUILTIN_APPS, OPTIONAL_APPS } from '../../node-relay/apps/builtin-apps.ts';
import {
  getStatus,
  killAll,
  rawRequest,
  rawSession,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from './relay-harness.ts';

const dir = tmpDir('peertree-hostile-');
let relay: RelayProcess;
let types: string[] = [];

/** Bodies that are valid JSON but of every wrong shape a handler might trip over. */
export const HOSTILE_BODIES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  '',
  'x',
  true,
  [],
  [null],
  {},
  {
    hash: null,
    q: null,
    memory: null,
    unpin: null,
    pin: null,
    holders: null,
    replicas: null,
    record: null,
    t: null,
    from: null,
  },
  { hash: 'zz', replicas: -1, holders: 'a', q: 42, limit: 1e9, budgetMs: -5, memory: 'm', unpin: [], local: 'yes' },
  { hash: '0'.repeat(64), replicas: 3, holders: [null], pins: [{ owner: null }], memory: { text: null } },
  { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
  { body: { body: { body: null } }, re: null, nonce: null, token: { nested: [1, [2, [3]]] } },
  'x'.repeat(50_000),
  Array.from({ length: 2000 }, (_, i) => i),
];

/** Requests that read nothing from their body: any body gets the normal answer. */
const BODYLESS = new Set(['ledger.verify', 'guestbook.read', 'tree.admit']);

beforeAll(async () => {
  // The registered types, read from a relay started in this process with every application on.
  const parsed = parseRelayArgs([
    '--port',
    '0',
    '--data',
    join(dir.path, 'probe'),
    '--http',
    '--diag',
    '--log-level',
    'error',
  ]);
  if (parsed.ok !== true) throw new Error('bad flags');
  const probe = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }));
  const apps = await startApps(probe, [...BUILTIN_APPS, OPTIONAL_APPS.guestbook!]);
  types = probe.dispatcher.types;
  await apps.close();
  await probe.close();
  process.env.PEERTREE_APPS = 'guestbook';
  relay = await startRelayProcess(join(dir.path, 'data'), ['--diag', '--log-level', 'error']);
  delete process.env.PEERTREE_APPS;
}, 60_000);

afterAll(async () => {
  await relay?.stop();
  killAll();
  dir.remove();
});

describe('null and wrong-typed bodies for every registered message type', () => {
  it('finds the message types of every application', () => {
    for (const t of [
      'peer.ping',
      'tree.join',
      'tree.hb',
      'shard.store',
      'shard.put',
      'shard.unpin',
      'memory.remember',
      'search.query',
      'guestbook.sign',
    ]) {
      expect(types).toContain(t);
    }
    expect(types.some((t) => t.startsWith('ledger.'))).toBe(true);
    expect(types.some((t) => t.startsWith('diag.'))).toBe(true);
  });

  it('reveals no secret in the status and keeps its data files private', async () => {
    const data = join(dir.path, 'data');
    const seed = readFileSync(join(data, 'identity.seed'), 'utf8').trim();
    const status = (await rawRequest(relay.ready.url, '/api/status')).body.toString('utf8');
    expect(seed).toMatch(/^[0-9a-f]{64}$/);
    expect(status).not.toContain(seed);
    expect(status).not.toMatch(/PRIVATE KEY/);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    for (const f of ['identity.seed', 'tls-key.pem', 'tree-id', 'relay.db', 'relay.db-wal', 'relay.db-shm'])
      expect(statSync(join(data, f)).mode & 0o777, f).toBe(0o600);
    expect(statSync(join(data, 'shards')).mode & 0o077).toBe(0);
    // No mutating HTTP endpoint exists: writes go only through signed frames.
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of [
        '/api/status',
        '/api/shards/' + '0'.repeat(64),
        '/api/files/x',
        '/api/admin',
        '/api/keys',
        '/api/update',
        '/',
      ]) {
        const res = await rawRequest(relay.ready.url, path, method);
        expect([400, 404], `${method} ${path}`).toContain(res.status);
      }
    }
  });

  for (const role of ['client', 'relay'] as const) {
    it(`answers each with an error and never crashes (peer claims role ${role})`, async () => {
      const before = await getStatus(relay.ready.url);
      const session = await rawSession(relay.ready.ws, 10_000, role);
      const sent = new Map<string, { type: string; body: unknown }>();
      for (const type of types) {
        for (const body of HOSTILE_BODIES) {
          const id = newMessageId();
          sent.set(id, { type, body });
          session.ws.send(await session.frame(type, body, { id }));
        }
      }
      // Frames on one socket are read in order; a ping sent last proves all of them were taken in.
      const pingId = newMessageId();
      session.ws.send(await session.frame('peer.ping', { nonce: 'after' }, { id: pingId }));
      await session.waitFor((m) => m.type === 'peer.pong' && (m.body as { re?: string }).re === pingId, 20_000);
      // Let the handlers that were still running answer (bounded wait), then read the answers.
      const answered = (m: Message) => {
        const re = (m.body as { re?: unknown } | null)?.re;
        return typeof re === 'string' && sent.has(re);
      };
      const deadline = Date.now() + 15_000;
      let last = -1;
      while (Date.now() < deadline) {
        const n = session.received.filter(answered).length;
        if (n === last) break;
        last = n;
        await new Promise((r) => setTimeout(r, 500));
      }
      const replies = session.received.filter(answered);
      const errors = replies.filter((m) => m.type === 'peer.error');
      const codes = new Set(errors.map((m) => (m.body as { code: string }).code));
      // No handler fell over on a body it did not check: every refusal is a deliberate one.
      expect([...codes].filter((c) => c === 'INTERNAL')).toEqual([]);
      expect(relay.stderr()).not.toMatch(/message handler failed|TypeError|ReferenceError|RangeError/);
      // Requests are answered with errors, not with results: no hostile body was acted on. The exceptions read
      // nothing from their body (a whole-ledger check, the guestbook's entries, admission to an open tree).
      const nonErrors = replies
        .map((m) => ({ type: sent.get((m.body as { re: string }).re)!.type, reply: m.type }))
        .filter((r) => r.reply !== 'peer.error' && !BODYLESS.has(r.type));
      expect(nonErrors).toEqual([]);
      // Every request type of a client (all but the one-way tree frames) got an error for every hostile body.
      const erroredTypes = new Set(errors.map((m) => sent.get((m.body as { re: string }).re)!.type));
      const requestTypes = types.filter((t) => !t.startsWith('tree.') && !BODYLESS.has(t));
      if (role === 'client') for (const t of requestTypes) expect(erroredTypes, t).toContain(t);
      expect(errors.length).toBeGreaterThan(requestTypes.length);

      // The relay is up, still answers, and stored nothing.
      expect(relay.proc.exitCode).toBeNull();
      const after = await getStatus(relay.ready.url);
      expect(after.shards).toBe(before.shards);
      expect(after.size).toBe(1);
      session.ws.close();
    }, 60_000);
  }
  it('refuses relay-only writes (shard.put, shard.holders) from a peer that claims to be a relay but is not a member', async () => {
    const session = await rawSession(relay.ready.ws, 10_000, 'relay');
    const bytes = new Uint8Array(randomBytes(1000));
    const hash = createHash('sha256').update(bytes).digest('hex');
    const asks: [string, unknown, Uint8Array | undefined][] = [
      ['shard.put', { hash, holders: [session.identity.id], pins: [] }, bytes],
      ['shard.holders', { hash, holders: [session.identity.id] }, undefined],
    ];
    for (const [type, body, payload] of asks) {
      const id = newMessageId();
      session.ws.send(await session.frame(type, body, { id, ...(payload ? { payload } : {}) }));
      const answer = await session.waitFor((m) => (m.body as { re?: string } | null)?.re === id);
      expect(answer.type, type).toBe('peer.error');
      expect((answer.body as { code: string }).code, type).toBe('FORBIDDEN');
    }
    expect(existsSync(join(dir.path, 'data', 'shards', hash.slice(0, 2), hash))).toBe(false);
    session.ws.close();
  });

  it('serves /metrics in the Prometheus text format: drops by reason, messages and latencies by type, storage', async () => {
    const res = await rawRequest(relay.ready.url, '/metrics');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body.toString('utf8');
    const value = (line: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(line + ' '))
          ?.slice(line.length + 1),
      );
    for (const name of [
      'peertree_drops_total',
      'peertree_messages_total',
      'peertree_message_handler_seconds',
      'peertree_shards',
      'peertree_stored_bytes',
      'peertree_outbox_messages',
      'peertree_repair_backlog',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(value('peertree_drops_total{reason="bad-signature"}')).toBeGreaterThanOrEqual(0);
    expect(value('peertree_messages_total{type="peer.ping"}')).toBeGreaterThan(0);
    expect(value('peertree_message_handler_seconds_count{type="shard.store"}')).toBeGreaterThan(0);
    expect(value('peertree_message_handler_seconds_bucket{type="shard.store",le="+Inf"}')).toBe(
      value('peertree_message_handler_seconds_count{type="shard.store"}'),
    );
    // Hostile bodies are refused (BAD_INPUT): counted as refusals by reason, not as handler failures.
    expect(value('peertree_refusals_total{reason="bad_input"}')).toBeGreaterThan(0);
    expect(value('peertree_message_errors_total{type="shard.store"}')).toBe(0);
    // The POST/PUT/DELETE/PATCH refusals of an earlier test were counted.
    expect(value('peertree_http_responses_total{code="400"}')).toBeGreaterThan(0);
    // Every sample line is `name{labels} number`: nothing a scraper would choke on.
    for (const line of text
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    const seed = readFileSync(join(dir.path, 'data', 'identity.seed'), 'utf8').trim();
    expect(text).not.toContain(seed);
  });
});
