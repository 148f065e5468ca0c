// Fuzzing a running relay: random and mutated frames over authenticated WebSockets, hostile bodies for every
// registered message type, transport-level abuse on throwaway connections, and hostile HTTP requests. Seeded
// and bounded. Afterwards: the relay is up, its memory stayed flat, every bad frame was counted in
// /api/status drops (compared exactly with what was sent), and it still stores and serves a file correctly.
//
//   npm run fuzz [-- --seed N --frames N --http N --sessions N]
//
// The CI version (tests/integration/fuzz-relay.test.ts) calls runFuzz() with small counts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { readU32BE, toHex, utf8, writeU32BE } from '../../core/bytes.ts';
import { identityFromSeed, type Identity } from '../../core/identity/index.ts';
import { AUTH, encodeFrame, FRAME_MAGIC, FrameVerifier, splitFrame } from '../../core/wire/index.ts';
import { MAX_FRAME_BYTES, MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES } from '../../core/limits.ts';
import { defaultComponents } from '../../node-relay/default-components.ts';
import { parseRelayArgs } from '../../node-relay/config/relay-config.ts';
import { silentLogger } from '../../node-relay/log-contract.ts';
import { startRelay } from '../../node-relay/relay.ts';
import { startApps } from '../../node-relay/apps/start-apps.ts';
import { BUILTIN_APPS } from '../../node-relay/apps/builtin-apps.ts';
import { Prng } from '../sim/prng.ts';
import {
  getStatus,
  killAll,
  runCli,
  startRelayProcess,
  tmpDir,
  type RelayProcess,
} from '../integration/relay-harness.ts';

export interface FuzzOptions {
  readonly seed: number;
  /** Frames sent over authenticated sessions (plus a few hundred on throwaway connections). */
  readonly frames: number;
  readonly http: number;
  /** Authenticated sessions sending at once. */
  readonly sessions: number;
  readonly log: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  durationMs: number;
  sent: Record<string, number>;
  /** Frames that must each have been counted once in drops. */
  expectedDrops: number;
  /** Sum of the relay's drop counters, after minus before. */
  countedDrops: number;
  dropsByReason: Record<string, number>;
  /** Validly signed frames with hostile bodies, and what came of them. */
  appFrames: {
    sent: number;
    errors: number;
    errorCodes: Record<string, number>;
    answeredNormally: number;
    oneWay: number;
    unanswered: string[];
  };
  /** `refused`: 4xx answers the fuzzer saw (plus requests cut while sending huge headers); `refusedCounted`: the relay's own count of its 4xx answers. */
  http: { sent: number; byStatus: Record<string, number>; leaks: number; refused: number; refusedCounted: number };
  rssMiB: { start: number; peak: number; end: number; afterWarmup: number };
  /** V8 heap in use (from /metrics) at the start and at the end. */
  heapMiB: { start: number; end: number };
  relayUp: boolean;
  afterwards: { stored: boolean; fetched: boolean; range: boolean };
}

const HOSTILE_BODIES: unknown[] = [
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
  { body: { body: { body: null } }, re: null, nonce: null, token: { nested: [1, [2, [3]]] } },
  { q: "'); DROP TABLE memories; --", limit: 5 },
  { q: 'NEAR(a b) AND NOT c OR * ^x col:y', limit: 5 },
];
/** Requests that read nothing from their body: any body gets the normal answer. */
const BODYLESS = new Set(['ledger.verify', 'guestbook.read', 'tree.admit']);
/** Tree messages other than those are one-way: nothing answers them, whatever their body. */
const isOneWay = (type: string) => type.startsWith('tree.') && !BODYLESS.has(type);

interface Parsed {
  type: string;
  body: Record<string, unknown> | null;
  tree: string;
}

function parse(frame: Uint8Array): Parsed | null {
  const parts = splitFrame(frame, MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES);
  if (typeof parts === 'string') return null;
  try {
    const h = JSON.parse(Buffer.from(parts.header).toString('utf8')) as { type: string; body: unknown; tree: string };
    return {
      type: h.type,
      tree: h.tree,
      body:
        typeof h.body === 'object' && h.body !== null && !Array.isArray(h.body)
          ? (h.body as Record<string, unknown>)
          : null,
    };
  } catch {
    return null;
  }
}

/** A minimal client: handshake, raw sends, pongs and errors tallied (replies are not verified: loopback, trusted). */
class Session {
  readonly ws: WebSocket;
  treeId = '';
  ready: Promise<void>;
  private waiters = new Map<string, () => void>();
  readonly errors = new Map<string, string>();
  readonly answered = new Map<string, string>();
  /** Ids of the hostile application requests sent on this connection. */
  readonly sentApp = new Set<string>();
  closed = false;

  constructor(
    url: string,
    readonly identity: Identity,
    authenticate = true,
  ) {
    this.ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false, maxPayload: 8 * 1024 * 1024 });
    this.ws.on('error', () => {});
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((r, j) => {
      resolveReady = r;
      rejectReady = j;
    });
    const timer = setTimeout(() => rejectReady(new Error('handshake timed out')), 15_000);
    this.ws.on('close', () => {
      this.closed = true;
      clearTimeout(timer);
      rejectReady(new Error('closed during handshake'));
      for (const w of this.waiters.values()) w();
    });
    let challenge = '';
    this.ws.on('message', (data: Buffer) => {
      const m = parse(new Uint8Array(data));
      if (!m) return;
      if (m.type === 'peer.hello') {
        this.treeId = m.tree;
        if (!authenticate) {
          clearTimeout(timer);
          resolveReady();
          return;
        }
        challenge = toHex(randomBytes(32));
        void encodeFrame(
          {
            type: AUTH,
            tree: m.tree,
            to: null,
            ts: Date.now(),
            body: { nonce: m.body?.nonce, challenge, role: 'client', url: null },
          },
          identity,
        ).then((f) => this.ws.send(f));
        return;
      }
      if (m.type === 'peer.welcome' && m.body?.challenge === challenge) {
        clearTimeout(timer);
        resolveReady();
        return;
      }
      const re = typeof m.body?.re === 'string' ? m.body.re : null;
      if (re === null) return;
      if (m.type === 'peer.error') this.errors.set(re, String(m.body?.code));
      else this.answered.set(re, m.type);
      this.waiters.get(re)?.();
    });
  }

  sign(type: string, body: unknown, id?: string, identity: Identity = this.identity): Promise<Uint8Array> {
    return encodeFrame({ type, tree: this.treeId, to: null, ts: Date.now(), body, ...(id ? { id } : {}) }, identity);
  }

  /** Sends a ping and waits for its pong: every frame sent before it on this socket has been read. */
  async roundTrip(): Promise<Uint8Array> {
    const id = toHex(randomBytes(16));
    const frame = await this.sign('peer.ping', { nonce: 'rt' }, id);
    const answered = new Promise<void>((resolveWait, reject) => {
      const timer = setTimeout(() => reject(new Error('no pong within 30 s')), 30_000);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        this.waiters.delete(id);
        if (this.closed && !this.answered.has(id)) reject(new Error('session closed'));
        else resolveWait();
      });
    });
    this.ws.send(frame);
    await answered;
    return frame;
  }

  close(): void {
    this.ws.close();
  }
}

/** Positions of a header field's value inside a frame (ASCII JSON, fixed key order). */
function fieldSpan(frame: Uint8Array, key: string): [number, number] | null {
  const h = readU32BE(frame, 4);
  const text = Buffer.from(frame.subarray(8, 8 + h)).toString('latin1');
  const at = text.indexOf(`"${key}":`);
  if (at < 0) return null;
  let start = 8 + at + key.length + 3;
  if (frame[start] === 0x22) start++;
  let end = start;
  while (end < 8 + h && frame[end] !== 0x22 && frame[end] !== 0x2c && frame[end] !== 0x7d) end++;
  return [start, end];
}

function rebuild(header: Uint8Array, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + header.length + payload.length + 64);
  out.set(FRAME_MAGIC, 0);
  writeU32BE(out, 4, header.length);
  out.set(header, 8);
  writeU32BE(out, 8 + header.length, payload.length);
  out.set(payload, 12 + header.length);
  out.set(signature.subarray(0, 64), 12 + header.length + payload.length);
  return out;
}

const HEX = '0123456789abcdef';

/** One mutated frame from a signed seed; never equal to it, never acceptable. */
function mutate(rng: Prng, seed: Uint8Array, kind: string): Uint8Array {
  const f = new Uint8Array(seed);
  const hex = (start: number, end: number) => {
    const i = rng.range(start, end - 1);
    const old = f[i]!;
    let c = old;
    while (c === old) c = HEX.charCodeAt(rng.int(16));
    f[i] = c;
  };
  switch (kind) {
    case 'bitflip': {
      const n = rng.range(1, 8);
      for (let k = 0; k < n; k++) f[rng.int(f.length)]! ^= 1 << rng.int(8);
      if (Buffer.compare(f, seed) === 0) f[rng.int(f.length)]! ^= 0x80;
      return f;
    }
    case 'truncate':
      return f.subarray(0, rng.int(f.length));
    case 'extend':
      return Buffer.concat([f, randomBytesSeeded(rng, rng.range(1, 64))]);
    case 'giant-length': {
      const where = rng.chance(0.5) ? 4 : 8 + readU32BE(f, 4);
      writeU32BE(
        f,
        where,
        rng.pick([
          0xffffffff,
          0x7fffffff,
          MAX_FRAME_BYTES,
          MAX_HEADER_BYTES + 1,
          MAX_PAYLOAD_BYTES + 1,
          rng.int(2 ** 32),
        ]),
      );
      if (Buffer.compare(f, seed) === 0) writeU32BE(f, 4, 0xffffffff);
      return f;
    }
    case 'foreign-tree': {
      const [s, e] = fieldSpan(f, 'tree')!;
      hex(s, e);
      return f;
    }
    case 'stale': {
      const [s, e] = fieldSpan(f, 'ts')!;
      const old = Number(Buffer.from(f.subarray(s, e)).toString('latin1'));
      const stale = String(old + (rng.chance(0.5) ? -1 : 1) * rng.range(6, 60) * 60_000)
        .padStart(e - s, '0')
        .slice(0, e - s);
      f.set(utf8(stale), s);
      return f;
    }
    case 'swapped-id': {
      const [s, e] = fieldSpan(f, 'id')!;
      hex(s, e);
      return f;
    }
    case 'swapped-body': {
      const [s, e] = fieldSpan(f, 'nonce')!;
      f[rng.range(s, e - 1)] = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.charCodeAt(rng.int(26));
      return f;
    }
    case 'other-from': {
      const [s, e] = fieldSpan(f, 'from')!;
      hex(s, e);
      return f;
    }
    case 'bad-utf8': {
      const h = readU32BE(f, 4);
      const i = 8 + rng.range(1, h - 2);
      const bad = rng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]]);
      const header = Buffer.concat([f.subarray(8, i), Buffer.from(bad), f.subarray(i + 1, 8 + h)]);
      return rebuild(header, f.subarray(12 + h, f.length - 64), f.subarray(f.length - 64));
    }
    case 'bad-json': {
      const h = readU32BE(f, 4);
      const text = Buffer.from(f.subarray(8, 8 + h)).toString('latin1');
      const cut = rng.range(1, text.length - 1);
      let broken = rng.pick([
        text.slice(0, cut),
        text.slice(0, cut) + '}}}',
        text.replace(':', ''),
        '[' + text,
        text + ',',
        '{"v":1,',
        'nul',
        '',
      ]);
      if (broken === text) broken = text + ']';
      return rebuild(utf8(broken), f.subarray(12 + h, f.length - 64), f.subarray(f.length - 64));
    }
    case 'bad-field': {
      const h = readU32BE(f, 4);
      const obj = JSON.parse(Buffer.from(f.subarray(8, 8 + h)).toString('utf8')) as Record<string, unknown>;
      const edits: ((o: Record<string, unknown>) => void)[] = [
        (o) => (o.extra = 1),
        (o) => delete o.id,
        (o) => (o.v = 2),
        (o) => (o.type = 'Peer.Ping'),
        (o) => (o.type = 'x'.repeat(65)),
        (o) => (o.to = 'not-a-node-id'),
        (o) => (o.ts = -1),
        (o) => (o.ts = 1.5),
        (o) => (o.from = 'ab'),
        (o) => (o.id = 7),
        (o) => (o.tree = 'ABC'),
        (o) => delete o.body,
      ];
      rng.pick(edits)(obj);
      const json = rng.chance(0.1) ? JSON.stringify([obj]) : JSON.stringify(obj);
      return rebuild(utf8(json), f.subarray(12 + h, f.length - 64), f.subarray(f.length - 64));
    }
    default:
      throw new Error(`unknown mutation ${kind}`);
  }
}

function randomBytesSeeded(rng: Prng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

const MUTATIONS: [string, number][] = [
  ['bitflip', 14],
  ['truncate', 6],
  ['extend', 4],
  ['giant-length', 5],
  ['foreign-tree', 8],
  ['stale', 8],
  ['swapped-id', 6],
  ['swapped-body', 6],
  ['other-from', 3],
  ['bad-utf8', 6],
  ['bad-json', 6],
  ['bad-field', 8],
  ['random', 6],
  ['replay', 6],
  ['wrong-sender', 2],
  ['text', 2],
  ['app', 6],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((s, [, w]) => s + w, 0);

function pickKind(rng: Prng): string {
  let x = rng.int(TOTAL_WEIGHT);
  for (const [k, w] of MUTATIONS) {
    if (x < w) return k;
    x -= w;
  }
  return 'bitflip';
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** The relay's V8 heap in use, from its /metrics. */
async function heapMiB(base: URL): Promise<number> {
  const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
  const r = await httpGet(agent, base, '/metrics', 'GET', {});
  agent.destroy();
  const m = /^nodejs_heap_used_bytes (\d+)/m.exec(r.body.toString('utf8'));
  return m ? Math.round(Number(m[1]) / 1024 / 1024) : -1;
}

/** The message types a relay registers, from one started in this process (so the list cannot go stale). */
async function registeredTypes(dir: string): Promise<string[]> {
  const parsed = parseRelayArgs(['--port', '0', '--data', join(dir, 'probe'), '--http', '--log-level', 'error']);
  if (parsed.ok !== true) throw new Error('bad flags');
  const probe = await startRelay(parsed.value, defaultComponents({ logger: silentLogger }));
  const apps = await startApps(probe, BUILTIN_APPS);
  const types = probe.dispatcher.types;
  await apps.close();
  await probe.close();
  return types;
}

interface HttpResult {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

function httpGet(
  agent: Agent,
  base: URL,
  path: string,
  method: string,
  headers: Record<string, string>,
): Promise<HttpResult> {
  return new Promise((resolveReq) => {
    const req = httpsRequest(
      {
        host: base.hostname,
        port: base.port,
        path,
        method,
        headers,
        agent,
        rejectUnauthorized: false,
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1 << 20) chunks.push(c);
        });
        res.on('end', () =>
          resolveReq({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', () => resolveReq({ status: -1, body: Buffer.alloc(0), headers: {} }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolveReq({ status: -1, body: Buffer.alloc(0), headers: {} }));
    req.end();
  });
}

function hostilePath(
  rng: Prng,
  cap: string,
): { path: string; method: string; headers: Record<string, string>; kind: string } {
  const traversal = [
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '../../etc/passwd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..\\..\\windows',
    '%00',
    '%ZZ',
    '....//....//',
    '%252e%252e%252f',
    'a'.repeat(5000),
  ];
  const junk = () => encodeURIComponent(randomBytesSeeded(rng, rng.range(0, 80)).toString('latin1'));
  const kinds = ['shard', 'file', 'static', 'range', 'huge-header', 'method', 'api'];
  const kind = rng.pick(kinds);
  switch (kind) {
    case 'shard':
      return {
        kind,
        method: 'GET',
        headers: {},
        path: `/api/shards/${rng.chance(0.5) ? rng.pick(traversal) : junk()}`,
      };
    case 'file':
      return {
        kind,
        method: 'GET',
        headers: {},
        path: `/api/files/${rng.pick([rng.pick(traversal), junk(), `pt1.${'g'.repeat(64)}`, `pt1.${'0'.repeat(64)}.${'A'.repeat(43)}`, `pt1.${'0'.repeat(64)}`])}`,
      };
    case 'static':
      return {
        kind,
        method: rng.pick(['GET', 'HEAD']),
        headers: {},
        path: `/${rng.pick(traversal)}${rng.chance(0.3) ? '/' + junk() : ''}`,
      };
    case 'range': {
      const ranges = [
        'bytes=abc',
        'bytes=-',
        'bytes=5-1',
        'bytes=0-999999999999',
        'bytes=999999999-',
        'bytes=-0',
        'items=0-1',
        `bytes=${rng.int(5000)}-${rng.int(5000)}`,
        'bytes=0-1,3-4',
        'bytes= 1-2',
        `bytes=${'9'.repeat(40)}-`,
      ];
      return { kind, method: 'GET', headers: { range: rng.pick(ranges) }, path: `/api/files/${cap}` };
    }
    case 'huge-header':
      return { kind, method: 'GET', headers: { 'x-fill': 'a'.repeat(rng.range(20_000, 80_000)) }, path: '/api/status' };
    case 'method':
      return {
        kind,
        method: rng.pick(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'FOO']),
        headers: {},
        path: rng.pick(['/api/status', '/api/shards/' + '0'.repeat(64), '/api/admin', '/', '/ws']),
      };
    default:
      return { kind, method: 'GET', headers: {}, path: `/api/${junk()}?${junk()}` };
  }
}

/** Raw WebSocket frame header claiming a 2^53-byte masked binary message. */
function giantWsHeader(): Buffer {
  const b = Buffer.alloc(14);
  b[0] = 0x82;
  b[1] = 0x80 | 127;
  b.writeBigUInt64BE(2n ** 53n, 2);
  return b;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const rng = new Prng(o.seed);
  const dir = tmpDir('peertree-fuzz-');
  const home = join(dir.path, 'home');
  process.env.PEERTREE_HOME = home;
  let relay: RelayProcess | null = null;
  const sent: Record<string, number> = {};
  const count = (k: string, n = 1) => (sent[k] = (sent[k] ?? 0) + n);
  try {
    const types = await registeredTypes(dir.path);
    // Its own PWA folder, so that a rebuild of dist/ during the run cannot change the answers.
    mkdirSync(join(dir.path, 'static'));
    writeFileSync(join(dir.path, 'static', 'index.html'), '<!doctype html><title>fuzz</title>');
    // Rate limits far above the fuzzer's pace: here every frame must reach the checks behind them.
    relay = await startRelayProcess(
      join(dir.path, 'relay'),
      ['--log-level', 'error', '--rate-limit', '1000000', '--static', join(dir.path, 'static')],
      30_000,
    );
    const pid = relay.ready.pid;
    const base = new URL(relay.ready.url);
    // A public file to aim ranges at.
    const sample = randomBytesSeeded(rng, 5000);
    writeFileSync(join(dir.path, 'sample.bin'), sample);
    const put = await runCli(
      ['put', join(dir.path, 'sample.bin'), '--relay', relay.ready.url, '--replicas', '1', '--public'],
      30_000,
    );
    if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
    const sampleCap = put.stdout.trim().split('\n').at(-1)!;

    const rss = { start: rssMiB(pid), peak: 0, end: 0, afterWarmup: 0 };
    const heap = { start: await heapMiB(base), end: 0 };
    rss.peak = rss.start;
    const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, rssMiB(pid))), 200);
    const statusBefore = await getStatus(relay.ready.url);
    const before = statusBefore.drops;
    const httpBefore = (statusBefore.http ?? {}) as Record<string, number>;
    let expectedDrops = 0;
    const app = {
      sent: 0,
      errors: 0,
      errorCodes: {} as Record<string, number>,
      answeredNormally: 0,
      oneWay: 0,
      unanswered: [] as string[],
    };
    const appIds = new Map<string, string>();

    const identities: Identity[] = [];
    for (let i = 0; i < o.sessions + 1; i++)
      identities.push(await identityFromSeed(new Uint8Array(randomBytesSeeded(rng, 32))));
    const stranger = identities[o.sessions]!;

    // --- frames over authenticated sessions -----------------------------------------------------
    const BATCH = Number(process.env.FUZZ_BATCH ?? 100);
    const perSession = Math.ceil(o.frames / o.sessions);
    let progress = 0;
    const runSession = async (index: number) => {
      const srng = new Prng(o.seed * 1000 + index + 1);
      let s = new Session(relay!.ready.ws, identities[index]!);
      await s.ready;
      const seeds: Uint8Array[] = [];
      for (let i = 0; i < 64; i++) seeds.push(await s.sign('peer.ping', { nonce: `seed${i}` }));
      const foreign: Uint8Array[] = [];
      for (let i = 0; i < 16; i++) foreign.push(await s.sign('peer.ping', { nonce: `other${i}` }, undefined, stranger));
      const accepted: Uint8Array[] = [await s.roundTrip()];
      let done = 0;
      while (done < perSession) {
        if (s.closed) throw new Error(`session ${index} was closed by the relay`);
        const n = Math.min(BATCH, perSession - done);
        for (let i = 0; i < n; i++) {
          const kind = pickKind(srng);
          count(kind);
          if (kind === 'app') {
            const type = srng.pick(types);
            const id = toHex(randomBytes(16));
            appIds.set(id, type);
            s.sentApp.add(id);
            app.sent++;
            s.ws.send(await s.sign(type, srng.pick(HOSTILE_BODIES), id));
            continue;
          }
          expectedDrops++;
          if (kind === 'random')
            s.ws.send(
              srng.chance(0.5)
                ? randomBytesSeeded(srng, srng.int(512))
                : Buffer.concat([FRAME_MAGIC, randomBytesSeeded(srng, srng.int(256))]),
            );
          else if (kind === 'replay') s.ws.send(srng.pick(accepted));
          else if (kind === 'wrong-sender') s.ws.send(srng.pick(foreign));
          else if (kind === 'text') s.ws.send(`text ${srng.int(1e9)}`);
          else {
            const m = mutate(srng, srng.pick(seeds), kind);
            // FUZZ_DEBUG=1: check each mutation locally first; a mutation that stays valid is a fuzzer bug.
            if (process.env.FUZZ_DEBUG) {
              const v = await new FrameVerifier({ treeId: () => s.treeId, now: Date.now }).verify(m);
              if (v.ok) o.log(`VALID after ${kind}: ${Buffer.from(m).toString('hex')}`);
            }
            s.ws.send(m);
          }
        }
        done += n;
        const rt = await s.roundTrip();
        if (process.env.FUZZ_DEBUG && o.sessions === 1) {
          await new Promise((r) => setTimeout(r, 50));
          const d = (await getStatus(relay!.ready.url)).drops;
          const got = Object.entries(d).reduce(
            (a, [k, v]) =>
              a +
              (k === 'handler-error' || k === 'unhandled-type' || k.startsWith('handshake') ? 0 : v - (before[k] ?? 0)),
            0,
          );
          if (got !== expectedDrops)
            o.log(`diverged at ${done}: expected ${expectedDrops}, counted ${got}: ${JSON.stringify(d)}`);
        }
        if (accepted.length < 256) accepted.push(rt);
        progress += n;
        if (index === 0 && done % (BATCH * 200) === 0)
          o.log(`  frames ${progress}/${o.frames}, relay RSS ${rssMiB(pid)} MiB`);
        if (rss.afterWarmup === 0 && progress >= o.frames / 10) rss.afterWarmup = rssMiB(pid);
        // A fresh connection now and then: handshakes are part of the load, and replies do not pile up.
        if (srng.chance(0.01)) {
          // Handlers answer in their own time (a round trip orders only the synchronous ones): wait, bounded, for
          // every hostile request of this connection to be answered before closing it, as at the end.
          await settleApp(s);
          tallyApp(s);
          s.close();
          s = new Session(relay!.ready.ws, identities[index]!);
          await s.ready;
        }
      }
      // Let handlers still running answer, then tally.
      await settleApp(s);
      tallyApp(s);
      s.close();
    };
    const tallied = new Set<string>();
    /** Waits (at most 40 × 50 ms, then one round trip) until every hostile request sent on `s` has its answer. */
    const settleApp = async (s: Session) => {
      const open = () =>
        [...s.sentApp].some((id) => !s.errors.has(id) && !s.answered.has(id) && !isOneWay(appIds.get(id) ?? ''));
      for (let i = 0; i < 40 && open(); i++) await new Promise((r) => setTimeout(r, 50));
      await s.roundTrip();
    };
    const tallyApp = (s: Session) => {
      for (const [id, code] of s.errors) {
        if (!appIds.has(id) || tallied.has(id)) continue;
        tallied.add(id);
        app.errors++;
        app.errorCodes[code] = (app.errorCodes[code] ?? 0) + 1;
      }
      for (const [id] of s.answered) {
        if (!appIds.has(id) || tallied.has(id)) continue;
        tallied.add(id);
        app.answeredNormally++;
      }
    };

    // --- HTTP, concurrently with the frames -----------------------------------------------------
    const http = { sent: 0, byStatus: {} as Record<string, number>, leaks: 0, refused: 0, refusedCounted: 0 };
    const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
    const runHttp = async (worker: number, n: number) => {
      const hrng = new Prng(o.seed * 7919 + worker);
      for (let i = 0; i < n; i++) {
        const h = hostilePath(hrng, sampleCap);
        const r = await httpGet(agent, base, h.path, h.method, h.headers);
        http.sent++;
        const key = `${h.kind}:${r.status}`;
        if ((r.status >= 400 && r.status < 500) || key === 'huge-header:-1') http.refused++;
        http.byStatus[key] = (http.byStatus[key] ?? 0) + 1;
        // Nothing outside the store and the PWA may leak, and a 206 must carry exactly the bytes asked for.
        if (/root:x?:0:0|\[boot loader\]/.test(r.body.toString('latin1'))) http.leaks++;
        if (r.status === 206) {
          const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(r.headers['content-range']));
          if (!m || Buffer.compare(r.body, sample.subarray(Number(m[1]), Number(m[2]) + 1)) !== 0) http.leaks++;
        }
        if (r.status === 200 && h.kind === 'range' && Buffer.compare(r.body, sample) !== 0) http.leaks++;
      }
    };
    const httpWorkers = 8;
    const httpTasks = Array.from({ length: httpWorkers }, (_, w) => runHttp(w, Math.ceil(o.http / httpWorkers)));
    await Promise.all([...Array.from({ length: o.sessions }, (_, i) => runSession(i)), ...httpTasks]);
    agent.destroy();

    // --- transport-level abuse on throwaway connections ----------------------------------------
    const throwaway = Math.max(4, Math.min(200, Math.floor(o.frames / 5000)));
    for (let i = 0; i < throwaway; i++) {
      const kind = ['ws-giant-length', 'ws-invalid-utf8-text', 'unauthenticated', 'oversized'][i % 4]!;
      if (kind === 'oversized' && i > 16) continue; // 4 MiB each: a few are enough
      count(kind);
      const s = new Session(relay.ready.ws, identities[0]!, kind !== 'unauthenticated');
      await s.ready;
      const gone = new Promise<void>((r) => (s.closed ? r() : s.ws.once('close', () => r())));
      if (kind === 'ws-giant-length') {
        (s.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(giantWsHeader());
        expectedDrops++;
      } else if (kind === 'ws-invalid-utf8-text') {
        s.ws.send(Buffer.from([0x68, 0xff, 0xfe, 0x69]), { binary: false });
        expectedDrops++;
      } else if (kind === 'oversized') {
        s.ws.send(new Uint8Array(MAX_FRAME_BYTES + 1));
        expectedDrops++;
      } else {
        // Validly signed application frames before the handshake: counted, never acted on.
        const seen = (await getStatus(relay.ready.url)).drops.unauthenticated ?? 0;
        for (let k = 0; k < 10; k++) s.ws.send(await s.sign('shard.get', { hash: '0'.repeat(64) }));
        expectedDrops += 10;
        // Closing drops what the relay has not read yet: wait (bounded) until it has counted all ten.
        for (let k = 0; k < 40 && ((await getStatus(relay.ready.url)).drops.unauthenticated ?? 0) < seen + 10; k++)
          await new Promise((r) => setTimeout(r, 50));
        s.close();
      }
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      if (process.env.FUZZ_DEBUG) o.log(`${kind}: ${JSON.stringify((await getStatus(relay.ready.url)).drops)}`);
    }

    // --- afterwards --------------------------------------------------------------------------------
    // Drops are counted when each frame is read: the round trips above ordered them; the close-based ones
    // are counted when the socket errors, before its close reaches us. Wait (bounded) for the sum to settle.
    let after = (await getStatus(relay.ready.url)).drops;
    const sum = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0);
    for (let i = 0; i < 20 && sum(after) - sum(before) < expectedDrops; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = (await getStatus(relay.ready.url)).drops;
    }
    const httpAfter = ((await getStatus(relay.ready.url)).http ?? {}) as Record<string, number>;
    for (const code of Object.keys(httpAfter))
      if (/^4\d\d$/.test(code)) http.refusedCounted += (httpAfter[code] ?? 0) - (httpBefore[code] ?? 0);
    if (process.env.FUZZ_DEBUG)
      o.log(
        `relay HTTP answers during the run: ${JSON.stringify(Object.fromEntries(Object.keys(httpAfter).map((k) => [k, (httpAfter[k] ?? 0) - (httpBefore[k] ?? 0)])))}`,
      );
    const dropsByReason: Record<string, number> = {};
    for (const k of Object.keys(after))
      if ((after[k] ?? 0) - (before[k] ?? 0) !== 0) dropsByReason[k] = (after[k] ?? 0) - (before[k] ?? 0);
    // Application frames are not wire drops: take out what the dispatcher counted for them.
    // The answers to refused frames (node-relay/ws/drop-answer.ts) are counted beside the drops: take them out too.
    const appCounted =
      (dropsByReason['handler-error'] ?? 0) +
      (dropsByReason['unhandled-type'] ?? 0) +
      (dropsByReason['refusal-reply'] ?? 0) +
      (dropsByReason['refusal-close'] ?? 0);
    for (const [id, t] of appIds) {
      if (isOneWay(t)) app.oneWay++;
      else if (!tallied.has(id)) app.unanswered.push(t);
    }
    const countedDrops = sum(after) - sum(before) - appCounted;

    clearInterval(sampler);
    // Let the relay collect what the run left behind before the final reading.
    await new Promise((r) => setTimeout(r, 2_000));
    rss.end = rssMiB(pid);
    heap.end = await heapMiB(base);

    const out = join(dir.path, 'back.bin');
    const big = randomBytesSeeded(rng, 3 * 1024 * 1024 + 17);
    writeFileSync(join(dir.path, 'after.bin'), big);
    const put2 = await runCli(
      ['put', join(dir.path, 'after.bin'), '--relay', relay.ready.url, '--replicas', '1'],
      60_000,
    );
    const cap = put2.stdout.trim().split('\n').at(-1) ?? '';
    const get2 =
      put2.code === 0 ? await runCli(['get', cap, '--relay', relay.ready.url, '-o', out], 60_000) : { code: 1 };
    const fetched = get2.code === 0 && Buffer.compare(readFileSync(out), big) === 0;
    const agent2 = new Agent({ keepAlive: false, rejectUnauthorized: false });
    const ranged = await httpGet(agent2, base, `/api/files/${sampleCap}`, 'GET', { range: 'bytes=100-199' });
    agent2.destroy();
    const relayUp = relay.proc.exitCode === null && relay.proc.signalCode === null;

    return {
      seed: o.seed,
      durationMs: Date.now() - started,
      sent,
      expectedDrops,
      countedDrops,
      dropsByReason,
      appFrames: app,
      http,
      rssMiB: rss,
      heapMiB: heap,
      relayUp,
      afterwards: {
        stored: put2.code === 0,
        fetched,
        range: ranged.status === 206 && Buffer.compare(ranged.body, sample.subarray(100, 200)) === 0,
      },
    };
  } finally {
    await relay?.stop('SIGTERM').catch(() => null);
    killAll();
    dir.remove();
  }
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options: FuzzOptions = {
    seed: flag(args, 'seed', 1),
    frames: flag(args, 'frames', 1_000_000),
    http: flag(args, 'http', 50_000),
    sessions: flag(args, 'sessions', 8),
    log: (line) => process.stdout.write(line + '\n'),
  };
  options.log(
    `fuzz: seed ${options.seed}, ${options.frames} frames over ${options.sessions} sessions, ${options.http} HTTP requests`,
  );
  const report = await runFuzz(options);
  options.log(JSON.stringify(report, null, 2));
  const problems = fuzzProblems(report);
  options.log(
    `\nframes sent ${Object.values(report.sent).reduce((a, b) => a + b, 0)}, HTTP ${report.http.sent}, in ${(report.durationMs / 1000).toFixed(1)} s` +
      `\nbad frames ${report.expectedDrops}, counted as drops ${report.countedDrops}; HTTP refused ${report.http.refused}, counted by the relay ${report.http.refusedCounted}` +
      `\nhostile bodies ${report.appFrames.sent}: errors ${report.appFrames.errors}, answered normally (bodyless) ${report.appFrames.answeredNormally}, one-way ${report.appFrames.oneWay}` +
      `\nrelay RSS MiB: start ${report.rssMiB.start}, after warm-up ${report.rssMiB.afterWarmup}, peak ${report.rssMiB.peak}, end ${report.rssMiB.end}; V8 heap MiB: start ${report.heapMiB.start}, end ${report.heapMiB.end}` +
      `\nrelay up ${report.relayUp}; afterwards stored ${report.afterwards.stored}, fetched byte for byte ${report.afterwards.fetched}, range ${report.afterwards.range}` +
      `\n${problems.length === 0 ? 'PASS' : 'FAIL:\n  ' + problems.join('\n  ')}`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}

/** What makes a run fail; shared by npm run fuzz and the CI test. */
export function fuzzProblems(r: FuzzReport): string[] {
  const p: string[] = [];
  if (!r.relayUp) p.push('the relay is down');
  if (r.countedDrops !== r.expectedDrops) p.push(`${r.expectedDrops} bad frames sent but ${r.countedDrops} counted`);
  const app = r.appFrames;
  if (app.errors + app.answeredNormally + app.oneWay !== app.sent)
    p.push(
      `hostile bodies: ${app.sent} sent, ${app.errors + app.answeredNormally + app.oneWay} accounted for (no answer: ${app.unanswered.join(', ')})`,
    );
  if ((app.errorCodes.INTERNAL ?? 0) > 0) p.push(`${app.errorCodes.INTERNAL} hostile bodies caused INTERNAL errors`);
  const statuses = Object.entries(r.http.byStatus);
  // A request with 20–80 KB of headers may be cut while it is still being written: refused either way.
  const fivexx = statuses.filter(([k]) => /:(5\d\d|-1)$/.test(k) && k !== 'huge-header:-1');
  if (fivexx.length > 0) p.push(`HTTP answers 5xx or none: ${JSON.stringify(Object.fromEntries(fivexx))}`);
  if (r.http.refused !== r.http.refusedCounted)
    p.push(`${r.http.refused} HTTP requests refused but the relay counted ${r.http.refusedCounted}`);
  if (r.http.leaks > 0) p.push(`${r.http.leaks} HTTP answers leaked or had wrong bytes`);
  if (r.rssMiB.end > Math.max(r.rssMiB.afterWarmup, r.rssMiB.start) + 150)
    p.push(`RSS grew from ${r.rssMiB.afterWarmup} to ${r.rssMiB.end} MiB`);
  if (!r.afterwards.stored || !r.afterwards.fetched || !r.afterwards.range)
    p.push('the relay did not store and serve a file correctly afterwards');
  return p;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  main().catch((err: unknown) => {
    process.stderr.write(`fuzz failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
  });
}
