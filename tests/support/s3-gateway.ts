// The S3 gateway as a process: `peertree s3 --relay URL --listen 127.0.0.1:0 [flags]` with its own
// PEERTREE_HOME, started and its first stdout line (the ready JSON) read, bounded; tracked for killAll. Used by
// the integration tests, the e2e spec and the bench alike.
import { spawn, type ChildProcess } from 'node:child_process';
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
