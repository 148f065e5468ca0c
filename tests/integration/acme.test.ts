// Automatic certificates end to end: a real relay started with --domain relay.test gets a certificate from
// Debian's pebble (real HTTP-01 validation against the relay's challenge listener, DNS from
// pebble-challtestsrv, all on loopback), stores it 0600, serves it to a TLS client asking for relay.test,
// reuses it after a restart without a new order, renews it when it falls due without restarting, and a second
// relay still joins it (relays trust each other's keys, not certificates).
import { existsSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  getStatus,
  killAll,
  logLines,
  startRelayProcess,
  tmpDir,
  waitFor,
  type RelayProcess,
} from './relay-harness.ts';
import { CHALLTESTSRV, PEBBLE, startPebble, type Pebble } from './pebble.ts';

const DOMAIN = 'relay.test';
/** Pebble's certificates live this long: renewal (at two thirds of the lifetime) falls due within the test. */
const VALIDITY_SECONDS = 60;

const root = tmpDir('peertree-acme-');
const dataA = join(root.path, 'a');
let pebble: Pebble;
let portA: number;
let relayA: RelayProcess;
let relayB: RelayProcess | undefined;
let firstSerial = '';

beforeAll(async () => {
  portA = await freePort();
});

afterAll(async () => {
  await relayB?.stop('SIGKILL');
  await relayA?.stop('SIGKILL');
  killAll();
  await pebble?.stop();
  root.remove();
});

interface Served {
  readonly cert: X509Certificate;
  /** The chain checks out against pebble's root (the TLS client's own verdict). */
  readonly authorized: boolean;
  readonly authorizationError: string | null;
}

/** What the relay presents to a TLS client asking for relay.test (bounded: 5 s). */
function served(port: number): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: DOMAIN,
      ca: pebble.root,
      rejectUnauthorized: false,
      timeout: 5_000,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      const result = {
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
      };
      socket.end();
      if (cert === undefined) reject(new Error('no certificate presented'));
      else resolve({ cert, ...result });
    });
    socket.once('timeout', () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('error', reject);
  });
}

/** The certificate served once it is one pebble issued (the self-signed one is served until then). */
function waitForPebbleCertificate(port: number, notSerial = ''): Promise<Served> {
  const intermediate = new X509Certificate(pebble.intermediate);
  return waitFor(
    `a certificate from pebble on port ${port}`,
    async () => {
      const s = await served(port);
      return s.cert.checkIssued(intermediate) && s.cert.serialNumber !== notSerial ? s : null;
    },
    90_000,
    250,
  );
}

/** A serial number as hex without leading zeros (pebble's log and X509Certificate print them differently). */
function serial(hex: string): string {
  return hex.toLowerCase().replace(/^0+/, '');
}

function acmeArgs(): string[] {
  return [
    '--domain',
    DOMAIN,
    '--acme-directory',
    pebble.directoryUrl,
    '--acme-ca-file',
    pebble.caFile,
    '--acme-http-port',
    String(pebble.httpPort),
    '--acme-email',
    'ops@relay.test',
  ];
}

describe('peertree relay --domain (ACME against pebble)', () => {
  it('serves a certificate pebble issued for the domain after real HTTP-01 validation, and stores it 0600', async () => {
    // Inside the test, not a hook: a missing pebble fails it (a failing hook would report the tests as skipped).
    for (const bin of [PEBBLE, CHALLTESTSRV])
      expect(existsSync(bin), `${bin} is missing: install Debian's pebble package (scripts/setup.sh does)`).toBe(true);
    pebble = await startPebble(root.path, VALIDITY_SECONDS);
    relayA = await startRelayProcess(dataA, acmeArgs(), 30_000, portA);
    expect(relayA.ready.tls).toBe('acme');
    expect(relayA.ready.domain).toBe(DOMAIN);
    const s = await waitForPebbleCertificate(portA);
    const intermediate = new X509Certificate(pebble.intermediate);
    expect(s.cert.issuer).toBe(intermediate.subject);
    expect(s.cert.verify(intermediate.publicKey)).toBe(true);
    expect(s.cert.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(s.cert.checkHost(DOMAIN)).toBe(DOMAIN);
    // The whole chain (leaf + intermediate) is sent: a client trusting only pebble's root accepts it.
    expect(s.authorizationError).toBeNull();
    expect(s.authorized).toBe(true);
    firstSerial = s.cert.serialNumber;
    for (const file of ['acme-account-key.pem', 'acme-cert.pem'])
      expect(statSync(join(dataA, file)).mode & 0o777).toBe(0o600);
    expect(logLines(relayA, 'acme.certificate_issued')).toHaveLength(1);
    // Pebble fetched the token from the relay's challenge listener: validation was real, not skipped.
    expect(pebble.log()).toContain(
      `Attempting to validate w/ HTTP: http://${DOMAIN}:${pebble.httpPort}/.well-known/acme-challenge/`,
    );
    expect(pebble.log()).toMatch(/set VALID by completed challenge/);
    expect(pebble.issued().map(serial)).toEqual([serial(firstSerial)]);
    const status = (await getStatus(relayA.ready.url)) as unknown as {
      certificate: { state: string; issuer: string; failures: number };
    };
    expect(status.certificate).toMatchObject({ state: 'valid', issuer: intermediate.subject, failures: 0 });
  }, 120_000);

  it('restarted, serves the stored certificate at once without a new order', async () => {
    expect(await relayA.stop('SIGTERM')).toBe(0);
    relayA = await startRelayProcess(dataA, acmeArgs(), 30_000, portA);
    const s = await served(portA);
    expect(s.cert.serialNumber).toBe(firstSerial);
    expect(s.authorized).toBe(true);
    expect(logLines(relayA, 'acme.certificate_reused')).toHaveLength(1);
    expect(logLines(relayA, 'acme.order_started')).toEqual([]);
    expect(pebble.issued()).toHaveLength(1);
  }, 60_000);

  it('lets a second relay join it: relays trust each other by their keys, whatever certificate is served', async () => {
    relayB = await startRelayProcess(join(root.path, 'b'), ['--join', relayA.ready.url]);
    const joined = await waitFor('relay B in relay A tree', async () => {
      const [a, b] = (await Promise.all([getStatus(relayA.ready.url), getStatus(relayB!.ready.url)])) as unknown as {
        size: number;
        treeId: string;
        members: { id: string }[];
      }[];
      return a!.size === 2 && b!.size === 2 && a!.treeId === b!.treeId ? b! : null;
    });
    expect(joined.members.map((m) => m.id).sort()).toEqual([relayA.ready.id, relayB.ready.id].sort());
  }, 60_000);

  it('renews the certificate when it falls due and serves the new one without restarting', async () => {
    const pid = relayA.ready.pid;
    const renewed = await waitForPebbleCertificate(portA, firstSerial);
    expect(renewed.authorized).toBe(true);
    expect(renewed.cert.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(relayA.proc.exitCode).toBeNull();
    expect(relayA.ready.pid).toBe(pid);
    const orders = logLines(relayA, 'acme.order_started');
    expect(orders.map((o) => o.why)).toEqual(['due']);
    expect(pebble.issued()).toHaveLength(2);
    expect(logLines(relayA, 'acme.order_failed')).toEqual([]);
  }, 120_000);

  it('keeps serving and says why when the CA cannot validate (its challenge listener is not where the CA looks)', async () => {
    // Pebble validates on relay A's listener, which does not know this relay's token: the order fails.
    const wrongPort = await freePort();
    const args = acmeArgs().map((a) => (a === String(pebble.httpPort) ? String(wrongPort) : a));
    const relayC = await startRelayProcess(join(root.path, 'c'), args);
    try {
      const failed = await waitFor(
        'the failed order in the log',
        async () => logLines(relayC, 'acme.order_failed')[0] ?? null,
      );
      expect(failed).toMatchObject({ level: 'error', domain: DOMAIN, failures: 1, serving: 'self-signed' });
      expect(String(failed.error)).not.toBe('');
      expect(Date.parse(String(failed.retryAt))).toBeGreaterThan(Date.now());
      const status = (await getStatus(relayC.ready.url)) as unknown as {
        certificate: { state: string; failures: number; lastError: string | null };
      };
      expect(status.certificate).toMatchObject({ state: 'pending', failures: 1, lastError: failed.error });
      // Still up, still serving its self-signed pair (the fingerprint of its ready line).
      const s = await served(Number(new URL(relayC.ready.url).port));
      expect(s.cert.fingerprint256).toBe(relayC.ready.fingerprint256);
      expect(relayC.proc.exitCode).toBeNull();
    } finally {
      await relayC.stop('SIGKILL');
    }
  }, 90_000);
});
