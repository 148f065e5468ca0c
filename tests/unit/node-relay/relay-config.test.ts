import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACME_DIRECTORY,
  DEFAULT_ACME_HTTP_PORT,
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PORT,
  isCertificateDomain,
  isLoopbackHost,
  parseRelayArgs,
  relayUrl,
} from '../../../node-relay/config/relay-config.ts';
import { DEFAULT_MAX_PEERS, DEFAULT_REPLICAS } from '../../../core/limits.ts';

const ok = (argv: string[]) => {
  const r = parseRelayArgs(argv);
  if (r.ok !== true) throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.value;
};
const err = (argv: string[]) => {
  const r = parseRelayArgs(argv);
  if (r.ok !== false) throw new Error(`expected an error for ${argv.join(' ')}`);
  return r.error;
};

describe('parseRelayArgs', () => {
  it('has documented defaults', () => {
    expect(ok([])).toEqual({
      host: DEFAULT_HOST,
      port: DEFAULT_PORT,
      dataDir: DEFAULT_DATA_DIR,
      join: [],
      maxPeers: DEFAULT_MAX_PEERS,
      replicas: DEFAULT_REPLICAS,
      tls: null,
      http: false,
      staticDir: null,
      logLevel: 'info',
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const c = ok([
      '--port=8443',
      '--host',
      '::1',
      '--data',
      '/tmp/x',
      '--join',
      'https://a:1',
      '--join=wss://b:2/ws',
      '--max-peers',
      '8',
      '--replicas=5',
      '--http',
      '--static',
      'd',
    ]);
    expect(c).toMatchObject({
      port: 8443,
      host: '::1',
      dataDir: '/tmp/x',
      join: ['https://a:1', 'wss://b:2/ws'],
      maxPeers: 8,
      replicas: 5,
      http: true,
      staticDir: 'd',
    });
    expect(ok(['--cert', 'c.pem', '--key', 'k.pem']).tls).toEqual({ certFile: 'c.pem', keyFile: 'k.pem' });
    expect(ok(['--host', '[::1]']).host).toBe('::1');
  });

  it('rejects bad values with clear messages', () => {
    expect(err(['--port', '65536'])).toMatch(/--port/);
    expect(err(['--port', '-1'])).toMatch(/--port/);
    expect(err(['--port', '12ab'])).toMatch(/--port/);
    expect(err(['--port'])).toMatch(/needs a value/);
    expect(err(['--port', '1', '--port', '2'])).toMatch(/twice/);
    expect(err(['--max-peers', '1'])).toMatch(/--max-peers/);
    expect(err(['--replicas', '0'])).toMatch(/--replicas/);
    expect(err(['--join', 'ftp://x'])).toMatch(/--join/);
    expect(err(['--join', 'https://user:pw@x'])).toMatch(/credentials/);
    expect(err(['--host', 'bad host!'])).toMatch(/--host/);
    expect(err(['--key', 'k.pem'])).toMatch(/together/);
    expect(err(['--http', '--cert', 'c', '--key', 'k'])).toMatch(/--http/);
    expect(err(['--http=yes'])).toMatch(/no value/);
    expect(err(['--nope'])).toMatch(/unknown flag/);
    expect(err(['extra'])).toMatch(/unexpected argument/);
    expect(err(['--log-level', 'loud'])).toMatch(/--log-level/);
  });

  it('allows --http only on loopback hosts', () => {
    expect(ok(['--http']).http).toBe(true);
    expect(ok(['--http', '--host', 'localhost']).http).toBe(true);
    expect(ok(['--http', '--host', '::1']).http).toBe(true);
    expect(err(['--http', '--host', '0.0.0.0'])).toMatch(/loopback/);
    expect(err(['--http', '--host', '192.168.1.2'])).toMatch(/loopback/);
    expect(err(['--http', '--host', 'example.org'])).toMatch(/loopback/);
  });

  it("reads --domain with Let's Encrypt and port 80 as defaults, and every --acme-* flag", () => {
    expect(ok(['--domain', 'Relay.Example.org']).acme).toEqual({
      domain: 'relay.example.org',
      directoryUrl: DEFAULT_ACME_DIRECTORY,
      httpPort: DEFAULT_ACME_HTTP_PORT,
    });
    const c = ok([
      '--domain',
      'relay.test',
      '--acme-directory',
      'https://127.0.0.1:14000/dir',
      '--acme-email',
      'ops@example.org',
      '--acme-ca-file',
      'ca.pem',
      '--acme-http-port',
      '5002',
    ]);
    expect(c.acme).toEqual({
      domain: 'relay.test',
      directoryUrl: 'https://127.0.0.1:14000/dir',
      email: 'ops@example.org',
      caFile: 'ca.pem',
      httpPort: 5002,
    });
    expect(ok([]).acme).toBeUndefined();
  });

  it('refuses --domain values and combinations that cannot work, saying why', () => {
    expect(err(['--domain', '203.0.113.7'])).toMatch(/DNS name/);
    expect(err(['--domain', 'localhost'])).toMatch(/DNS name/);
    expect(err(['--domain', 'bad_name.example.org'])).toMatch(/DNS name/);
    expect(err(['--domain', 'relay.test', '--http'])).toMatch(/--http/);
    expect(err(['--domain', 'relay.test', '--cert', 'c.pem', '--key', 'k.pem'])).toMatch(/--cert/);
    expect(err(['--domain', 'relay.test', '--acme-directory', 'http://ca.example/dir'])).toMatch(/https:\/\//);
    expect(err(['--domain', 'relay.test', '--acme-directory', 'not a url'])).toMatch(/not a URL/);
    expect(err(['--domain', 'relay.test', '--acme-email', 'nobody'])).toMatch(/email/);
    expect(err(['--domain', 'relay.test', '--acme-http-port', '0'])).toMatch(/--acme-http-port/);
    expect(err(['--acme-email', 'ops@example.org'])).toMatch(/needs --domain/);
    expect(isCertificateDomain('relay.example.org')).toBe(true);
    expect(isCertificateDomain('1.2.3.4')).toBe(false);
  });

  it('answers help', () => {
    expect(parseRelayArgs(['--help']).ok).toBe('help');
    expect(parseRelayArgs(['-h']).ok).toBe('help');
  });
});

describe('hosts and URLs', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'localhost.example.org', '128.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('stops to come back on SIGTERM unless --leave-on-stop asks to leave for good', () => {
    expect(ok([]).leaveOnStop).toBeUndefined();
    expect(ok(['--leave-on-stop']).leaveOnStop).toBe(true);
    expect(err(['--leave-on-stop=yes'])).toMatch(/takes no value/);
  });

  it('prints reachable URLs', () => {
    expect(relayUrl('127.0.0.1', 8443, false)).toBe('https://127.0.0.1:8443');
    expect(relayUrl('::1', 1, true)).toBe('http://[::1]:1');
    expect(relayUrl('0.0.0.0', 2, false)).toBe('https://127.0.0.1:2');
    expect(relayUrl('::', 2, false)).toBe('https://[::1]:2');
  });
});
