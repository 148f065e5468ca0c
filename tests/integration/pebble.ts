// Test helper: Debian's pebble (a local ACME CA) with pebble-challtestsrv as its DNS, both on loopback ports
// chosen at run time. Every name resolves to 127.0.0.1 (A only), validation is real (PEBBLE_VA_ALWAYS_VALID
// unset), and pebble's own HTTPS listener uses a certificate made here (Debian ships none), whose PEM the
// relay is given with --acme-ca-file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { freePort, waitFor } from './relay-harness.ts';

export const PEBBLE = '/usr/bin/pebble';
export const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

export interface Pebble {
  /** https://127.0.0.1:PORT/dir */
  readonly directoryUrl: string;
  /** PEM file of the certificate pebble's HTTPS listener presents (what --acme-ca-file trusts). */
  readonly caFile: string;
  /** The port pebble connects to for HTTP-01 (the relay's --acme-http-port). */
  readonly httpPort: number;
  /** Serial numbers (lowercase hex) of the certificates issued so far, from pebble's log. */
  issued(): string[];
  /** Pebble's issuing intermediate and root (PEM), made fresh at every start. */
  readonly intermediate: string;
  readonly root: string;
  log(): string;
  stop(): Promise<void>;
}

function get(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 5_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${url} answered ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, out: { text: string }): ChildProcess {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (d: Buffer) => (out.text = (out.text + d.toString()).slice(-1_000_000));
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  return proc;
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/** Starts pebble-challtestsrv and pebble in `dir`; certificates live `validitySeconds`. Fails loudly if absent. */
export async function startPebble(dir: string, validitySeconds: number, timeoutMs = 20_000): Promise<Pebble> {
  for (const bin of [PEBBLE, CHALLTESTSRV]) {
    if (!existsSync(bin))
      throw new Error(
        `${bin} is missing: install Debian's pebble package (scripts/setup.sh does) — the ACME test is never skipped`,
      );
  }
  const listener = await generate([{ name: 'commonName', value: 'pebble test listener' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 2 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7 as const, ip: '127.0.0.1' }] },
    ],
  });
  const caFile = join(dir, 'pebble-listener.pem');
  const keyFile = join(dir, 'pebble-listener-key.pem');
  writeFileSync(caFile, listener.cert);
  writeFileSync(keyFile, listener.private, { mode: 0o600 });
  const [acmePort, managementPort, httpPort, tlsPort, dnsPort, dnsManagementPort] = await distinctPorts(6);
  const config = join(dir, 'pebble-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: caFile,
        privateKey: keyFile,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        certificateValidityPeriod: validitySeconds,
      },
    }),
  );
  const out = { text: '' };
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  // DNS on loopback: A queries get 127.0.0.1, AAAA none (so pebble dials the relay's IPv4 listener). No sleeps
  // before validating, and no reuse of past authorizations: every order, renewals too, is validated anew.
  const dns = run(
    CHALLTESTSRV,
    [
      '-dns01',
      `127.0.0.1:${dnsPort}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
      '-management',
      `127.0.0.1:${dnsManagementPort}`,
      '-defaultIPv4',
      '127.0.0.1',
      '-defaultIPv6',
      '',
    ],
    env,
    out,
  );
  const pebble = run(
    PEBBLE,
    ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict=false'],
    { ...env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_AUTHZREUSE: '0' },
    out,
  );
  const stop = async () => {
    await Promise.all([stopProcess(pebble), stopProcess(dns)]);
  };
  try {
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    await waitFor(
      'pebble to answer its directory',
      async () => {
        if (pebble.exitCode !== null || dns.exitCode !== null) throw new Error(`pebble exited:\n${out.text}`);
        return (await get(directoryUrl, listener.cert)).includes('newOrder') ? true : null;
      },
      timeoutMs,
      200,
    );
    await waitFor(
      'pebble-challtestsrv to listen',
      () => (out.text.includes('Starting management server') ? Promise.resolve(true) : Promise.resolve(null)),
      timeoutMs,
      100,
    );
    const intermediate = await get(`https://127.0.0.1:${managementPort}/intermediates/0`, listener.cert);
    const root = await get(`https://127.0.0.1:${managementPort}/roots/0`, listener.cert);
    const issued = () => [...out.text.matchAll(/Issued certificate serial ([0-9a-f]+)/g)].map((m) => m[1]!);
    return { directoryUrl, caFile, httpPort, intermediate, root, log: () => out.text, issued, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${out.text}`, { cause: err });
  }
}

/** Six different free loopback ports (bounded: freePort tries 64 times each). */
async function distinctPorts(n: 6): Promise<[number, number, number, number, number, number]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < n && i < n * 4; i++) ports.add(await freePort());
  if (ports.size < n) throw new Error(`could not find ${n} distinct free ports`);
  return [...ports] as [number, number, number, number, number, number];
}
