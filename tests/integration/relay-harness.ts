// Test harness: the relay processes of tests/support/relay-process.ts, plus CLI runs and raw HTTP(S) and
// WebSocket access to a relay.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { toHex } from '../../core/bytes.ts';
import { generateIdentity, type Identity } from '../../core/identity/index.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import {
  encodeFrame,
  FrameVerifier,
  HANDSHAKE_TYPES,
  isWelcome,
  newNonce,
  readHello,
  AUTH,
  type Message,
} from '../../core/wire/index.ts';
import { readManifestAuthor } from '../../core/storage/manifest-author.ts';
import { BIN, fetchStatus, REPO, track, type RelayProcess } from '../support/relay-process.ts';

export {
  BIN,
  fetchStatus,
  freePort,
  killAll,
  REPO,
  startRelayProcess,
  type Ready,
  type RelayProcess,
  type RelaySpawnOptions,
} from '../support/relay-process.ts';

export function tmpDir(prefix = 'peertree-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliRunOptions {
  /** Variables added to this process's environment (a value of undefined removes that variable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A command the CLI runs under that ends by exec'ing the rest (as RelaySpawnOptions.prefix). */
  readonly prefix?: readonly string[];
  readonly cwd?: string;
}

/** Runs the CLI to completion (bounded) and returns its exit code and output. */
export function runCli(
  args: string[],
  timeoutMs = 20_000,
  options: CliRunOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const [file, ...rest] = [...(options.prefix ?? []), process.execPath, BIN, ...args] as [string, ...string[]];
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const proc = spawn(file, rest, { cwd: options.cwd ?? REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`peertree ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * A prefix (see RelaySpawnOptions) that mounts a fresh tmpfs of `bytes` at `dir` in a mount namespace of the
 * relay's own (an unprivileged user namespace: no root needed), so its disk really fills (ENOSPC).
 */
export function smallDiskPrefix(dir: string, bytes: number): string[] {
  return [
    'unshare',
    '--user',
    '--map-root-user',
    '--mount',
    'sh',
    '-c',
    `mount -t tmpfs -o size=${bytes} tmpfs "$0" && exec "$@"`,
    dir,
  ];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP(S) request with the path sent exactly as given (no normalization), any certificate accepted. */
export function rawRequest(
  baseUrl: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  const options = {
    host: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port,
    path,
    method,
    headers,
    agent: false as const,
    timeout: 10_000,
  };
  return new Promise((resolveReq, reject) => {
    const req =
      base.protocol === 'https:' ? httpsRequest({ ...options, rejectUnauthorized: false }) : httpRequest(options);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolveReq({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.end();
  });
}

export async function getStatus(baseUrl: string): Promise<Record<string, unknown> & { drops: Record<string, number> }> {
  const status = await fetchStatus<Record<string, unknown> & { drops: Record<string, number> }>(baseUrl);
  if (!status) throw new Error(`${baseUrl} did not answer /api/status`);
  return status;
}

/**
 * A hand-written client of the handshake over a raw socket (independent of node-relay's connector), so tests
 * can send arbitrary bytes once authenticated.
 */
export interface RawSession {
  readonly ws: WebSocket;
  readonly identity: Identity;
  readonly treeId: string;
  readonly relayId: string;
  /** Verified messages received after the handshake, in order. */
  readonly received: Message[];
  frame(
    type: string,
    body: unknown,
    overrides?: { tree?: string; ts?: number; id?: string; payload?: Uint8Array },
    signer?: Identity,
  ): Promise<Uint8Array>;
  /** Waits (bounded) for a verified message matching `pred`. */
  waitFor(pred: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  closed: Promise<{ code: number; reason: string }>;
}

export function openSocket(wsUrl: string): WebSocket {
  return new WebSocket(wsUrl, { rejectUnauthorized: false, perMessageDeflate: false, maxPayload: 8 * 1024 * 1024 });
}

/** `as`: the key to authenticate with (a fresh one when absent). */
export async function rawSession(
  wsUrl: string,
  timeoutMs = 10_000,
  role: 'client' | 'relay' = 'client',
  as?: Identity,
): Promise<RawSession> {
  const identity = as ?? (await generateIdentity()).identity;
  const ws = openSocket(wsUrl);
  let treeId: string | null = null;
  const verifier = new FrameVerifier({ treeId: () => treeId, now: Date.now, treeExemptTypes: HANDSHAKE_TYPES });
  const received: Message[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  ws.on('error', () => {});
  let chain = Promise.resolve();
  ws.on('message', (data: Buffer) => {
    chain = chain.then(async () => {
      const result = await verifier.verify(new Uint8Array(data));
      if (result.ok) {
        received.push(result.message);
        for (const w of waiters) w();
      }
    });
  });
  const waitFor = (pred: (m: Message) => boolean, ms = timeoutMs) =>
    new Promise<Message>((resolveWait, reject) => {
      const check = () => {
        const m = received.find(pred);
        if (m) {
          clearTimeout(timer);
          waiters.delete(check);
          resolveWait(m);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error('timed out waiting for a message'));
      }, ms);
      waiters.add(check);
      check();
    });

  const hello = await waitFor((m) => m.type === 'peer.hello');
  const helloBody = readHello(hello);
  if (!helloBody) throw new Error('bad hello');
  treeId = hello.tree;
  const challenge = newNonce();
  ws.send(
    await encodeFrame(
      {
        type: AUTH,
        tree: hello.tree,
        to: null,
        ts: Date.now(),
        body: { nonce: helloBody.nonce, challenge, role, url: null },
      },
      identity,
    ),
  );
  await waitFor((m) => isWelcome(m, challenge, hello.fromId));
  received.length = 0;
  return {
    ws,
    identity,
    treeId: hello.tree,
    relayId: hello.fromId,
    received,
    frame: (type, body, o = {}, signer = identity) =>
      encodeFrame(
        {
          type,
          tree: o.tree ?? hello.tree,
          to: null,
          ts: o.ts ?? Date.now(),
          body,
          ...(o.id ? { id: o.id } : {}),
          ...(o.payload ? { payload: o.payload } : {}),
        },
        signer,
      ),
    waitFor,
    closed,
  };
}

/** Polls `probe` until it returns non-null (bounded by `timeoutMs`); the last error is in the failure. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null>,
  timeoutMs = 40_000,
  everyMs = 300,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== null) return v;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
}

/** Resolves with `promise`'s value, or rejects after `timeoutMs` naming `what`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last line a CLI printed (the capability for `peertree put`). */
export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)!;
}

/** One structured log line of a relay (stderr, JSON): `event` is the stable name operators match. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly event?: string;
  readonly [field: string]: unknown;
}

/** The relay's JSON log lines so far (non-JSON lines skipped), optionally only those of `event`. */
export function logLines(relay: RelayProcess, event?: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of relay.stderr().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (event === undefined || parsed.event === event) out.push(parsed);
    } catch {
      // a partial last line: read again later
    }
  }
  return out;
}

/** One sample of a relay's /metrics (`name` with its labels, as printed), or NaN when the relay does not show it. */
export async function metricValue(baseUrl: string, name: string): Promise<number> {
  const res = await rawRequest(baseUrl, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const line = res.body
    .toString('utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

/** A public file's manifest as a relay serves its shard (`/api/shards/HASH`): the JSON after the author's header. */
export async function publicManifest(
  baseUrl: string,
  hash: string,
): Promise<{ shards: string[]; inline?: string; name: string; size: number }> {
  const res = await rawRequest(baseUrl, `/api/shards/${hash}`);
  if (res.status !== 200) throw new Error(`manifest ${hash.slice(0, 12)}… answered ${res.status}`);
  const { body } = await readManifestAuthor(new Uint8Array(res.body));
  return JSON.parse(Buffer.from(body).toString('utf8'));
}

/** True when the relay at `url` holds `hash` on its own disk (a local get, which never asks other relays). */
export async function shardOn(url: string, hash: string): Promise<boolean> {
  const link = await connect(url);
  try {
    return await link.request('shard.get', { hash, local: true }, 10_000).then(
      () => true,
      () => false,
    );
  } finally {
    link.close(1000, 'done');
  }
}

/** Makes the data folder `path` with a fresh relay key in it, so that a test can speak as that relay once it runs. */
export async function relayDirWithKey(path: string): Promise<Identity> {
  const made = await generateIdentity();
  mkdirSync(path, { recursive: true, mode: 0o700 });
  writeFileSync(join(path, 'identity.seed'), toHex(made.seed) + '\n', { mode: 0o600 });
  return made.identity;
}
