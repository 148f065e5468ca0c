// S3 gateway tests: a 3-relay tree on loopback, a real `peertree s3` process in front of it, and the environment
// (config files, variables) that points the real AWS CLI, rclone, restic and s3cmd at that gateway.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../node-relay/s3/sigv4.ts';
import * as M from '../../core/protocol/library-messages.ts';
import { openRecord, type OpenedRecord } from '../../core/library/record.ts';
import { connect } from '../../node-relay/ws/connector.ts';
import { join } from 'node:path';
import { awsCliEnv, startGatewayProcess, type GatewayInfo, type GatewayOptions } from '../support/s3-gateway.ts';
export type { GatewayInfo, GatewayOptions };
import { REPO, killAll, startRelayProcess, tmpDir, waitFor, getStatus, type RelayProcess } from './relay-harness.ts';

const MiB = 1024 * 1024;

export interface S3Setup {
  readonly relays: RelayProcess[];
  /** The running gateway's ready line (a new endpoint after restartGateway). */
  gateway: GatewayInfo;
  readonly home: string;
  readonly work: string;
  gatewayStderr(): string;
  /** Environment for the AWS CLI (v1 or v2: SigV4 everywhere, presign included), rclone (remote `pt:`), restic. */
  readonly env: NodeJS.ProcessEnv;
  /** An s3cmd config file for the gateway. */
  readonly s3cfg: string;
  /** Stops the gateway (SIGTERM) and starts it again on the same $PEERTREE_HOME; resolves with its new ready line. */
  restartGateway(): Promise<GatewayInfo>;
  /** Kills the gateway (SIGKILL: nothing of it runs) and starts it again on the same $PEERTREE_HOME. */
  crashGateway(): Promise<GatewayInfo>;
  stop(): Promise<void>;
}

async function stopProcess(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(killer);
  return code;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (bounded), with `input` on its standard input when given. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
  cwd?: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { env, cwd: cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Three relays in one tree and a gateway storing into them (3 copies of every file). */
export async function startS3Setup(gatewayOptions: GatewayOptions = {}): Promise<S3Setup> {
  const root = tmpDir('peertree-s3-');
  const relays: RelayProcess[] = [];
  for (let i = 0; i < 3; i++) {
    const args = ['--log-level', 'warn', ...(i === 0 ? [] : ['--join', relays[0]!.ready.url])];
    relays.push(await startRelayProcess(join(root.path, `r${i}`), args, 30_000));
  }
  await waitFor(
    '3 relays in one tree',
    async () => ((await getStatus(relays[0]!.ready.url)).size === 3 ? true : null),
    40_000,
  );
  const home = join(root.path, 'home');
  let gw = await startGatewayProcess(relays[0]!.ready.url, home, gatewayOptions);
  const g = gw.info;
  const s3cfg = join(root.path, 's3cfg');
  const hostPort = g.endpoint.replace(/^http:\/\//, '');
  writeFileSync(
    s3cfg,
    `[default]\naccess_key = ${g.accessKeyId}\nsecret_key = ${g.secretAccessKey}\nhost_base = ${hostPort}\nhost_bucket = ${hostPort}\nuse_https = False\nsignature_v2 = False\nbucket_location = ${g.region}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...awsCliEnv(g, root.path),
    RCLONE_CONFIG: join(root.path, 'rclone.conf'),
    RCLONE_CONFIG_PT_TYPE: 's3',
    RCLONE_CONFIG_PT_PROVIDER: 'Other',
    RCLONE_CONFIG_PT_ACCESS_KEY_ID: g.accessKeyId,
    RCLONE_CONFIG_PT_SECRET_ACCESS_KEY: g.secretAccessKey,
    RCLONE_CONFIG_PT_ENDPOINT: g.endpoint,
    RCLONE_CONFIG_PT_REGION: g.region,
    RESTIC_PASSWORD: 'peertree-s3-test',
    RESTIC_CACHE_DIR: join(root.path, 'restic-cache'),
    PEERTREE_HOME: join(root.path, 'cli-home'),
  };
  // A CA bundle in the environment makes rclone refuse plain-HTTP endpoints; the gateway is http on loopback.
  delete env.AWS_CA_BUNDLE;
  writeFileSync(env.RCLONE_CONFIG!, '');
  const work = join(root.path, 'work');
  const setup: S3Setup = {
    relays,
    gateway: g,
    home,
    work,
    gatewayStderr: () => gw.stderr(),
    env,
    s3cfg,
    async restartGateway() {
      const code = await stopProcess(gw.proc);
      if (code !== 0) throw new Error(`peertree s3 exited with ${code} on SIGTERM\n${gw.stderr()}`);
      gw = await startGatewayProcess(relays[0]!.ready.url, home, gatewayOptions);
      setup.gateway = gw.info;
      return gw.info;
    },
    async crashGateway() {
      const exited = new Promise((r) => gw.proc.once('exit', r));
      gw.proc.kill('SIGKILL');
      await exited;
      gw = await startGatewayProcess(relays[0]!.ready.url, home, gatewayOptions);
      setup.gateway = gw.info;
      return gw.info;
    },
    async stop() {
      await stopProcess(gw.proc);
      for (const r of relays) await r.stop();
      root.remove();
    },
  };
  return setup;
}

/** One setup for a test file: started before its tests (its work folder made), handed to `ready`, stopped after. */
export function useS3Setup(options: GatewayOptions, ready: (setup: S3Setup) => void): void {
  let setup: S3Setup | undefined;
  beforeAll(async () => {
    setup = await startS3Setup(options);
    mkdirSync(setup.work, { recursive: true });
    ready(setup);
  }, 120_000);
  afterAll(async () => {
    await setup?.stop();
    killAll();
  });
}

/** The newest library record of `owner` as `relay` serves it, opened with `libraryKey` (or null when none). */
export async function libraryRecord(
  relay: string,
  owner: string,
  libraryKey: Uint8Array,
): Promise<OpenedRecord | null> {
  const link = await connect(relay);
  try {
    const reply = await link.request(M.GET, { owner }, 20_000);
    const head = M.readHeadReply(reply.type, reply.body, owner);
    if (!head) return null;
    const shard = await link.request('shard.get', { hash: head.record }, 20_000);
    return await openRecord(shard.payload!, libraryKey, owner);
  } finally {
    link.close();
  }
}

/** A SigV4 signer with the gateway's real credentials and region (paths signed as sent, as S3 clients do). */
export function gatewaySigner(gateway: GatewayInfo): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: gateway.accessKeyId, secretAccessKey: gateway.secretAccessKey },
    region: gateway.region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
  });
}

/** A request signed with the gateway's real credentials (SigV4 header form), sent with fetch. */
export async function signedRequest(
  gateway: GatewayInfo,
  method: string,
  path: string,
  query: Record<string, string>,
  body: string | Uint8Array<ArrayBuffer>,
  extra: Record<string, string> = {},
): Promise<{ status: number; text: string; body: Buffer; headers: Headers }> {
  const url = new URL(gateway.endpoint);
  const signed = await gatewaySigner(gateway).sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query,
    headers: { host: url.host, 'content-type': 'application/xml', ...extra },
    body,
  });
  const qs = new URLSearchParams(query).toString().replace(/=(&|$)/g, '$1');
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k !== 'host'));
  const res = await fetch(`${gateway.endpoint}${path}${qs ? `?${qs}` : ''}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, text: bytes.toString('utf8'), body: bytes, headers: res.headers };
}

/** Writes `bytes` random bytes to `path`, 4 MiB at a time. */
export function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= 4 * MiB) writeSync(fd, randomBytes(Math.min(left, 4 * MiB)));
  closeSync(fd);
}
