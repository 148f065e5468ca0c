// The S3 gateway as a process: `peertree s3 --relay URL --listen 127.0.0.1:0 [flags]` with its own
// PEERTREE_HOME, started and its first stdout line (the ready JSON) read, bounded; tracked for killAll. Used by
// the integration tests, the e2e spec and the bench alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, track } from './relay-process.ts';

export interface GatewayInfo {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The owner whose library the gateway mirrors into, or null. */
  library: string | null;
}

export interface GatewayOptions {
  /** More `peertree s3` flags (e.g. --backup FILE). */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export function startGatewayProcess(
  relayUrl: string,
  home: string,
  options: GatewayOptions = {},
): Promise<{ proc: ChildProcess; info: GatewayInfo; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [BIN, 's3', '--relay', relayUrl, '--listen', '127.0.0.1:0', ...(options.args ?? [])],
      { cwd: REPO, env: { ...process.env, ...options.env, PEERTREE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`peertree s3 did not print its ready line\n${stderr}`));
    }, 30_000);
    track(proc);
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (started || nl === -1) return;
      started = true;
      clearTimeout(timer);
      resolve({ proc, info: JSON.parse(stdout.slice(0, nl)) as GatewayInfo, stderr: () => stderr });
    });
    proc.on('exit', (code) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`peertree s3 exited with ${code}\n${stderr}`));
      }
    });
  });
}

/**
 * The environment for the AWS CLI against `gateway`: its credentials and region, and a config file written in
 * `dir` (AWS CLI v1 presigns with Signature Version 2 unless told otherwise; the gateway speaks only version 4),
 * never the user's own ~/.aws files.
 */
export function awsCliEnv(gateway: GatewayInfo, dir: string): NodeJS.ProcessEnv {
  const config = join(dir, 'aws-config');
  writeFileSync(config, '[default]\ns3 =\n    signature_version = s3v4\n    addressing_style = path\n');
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: gateway.accessKeyId,
    AWS_SECRET_ACCESS_KEY: gateway.secretAccessKey,
    AWS_DEFAULT_REGION: gateway.region,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_PAGER: '',
  };
}
