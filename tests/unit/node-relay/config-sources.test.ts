import { describe, expect, it } from 'vitest';
import { envName, withConfigSources } from '../../../node-relay/config/config-sources.ts';
import { parseRelayArgs } from '../../../node-relay/config/relay-config.ts';

const files: Record<string, string> = {
  '/etc/peertree.json': JSON.stringify({
    port: 9000,
    data: '/var/lib/peertree',
    join: ['https://a.example:1', 'https://b.example:2'],
    http: false,
    capacity: '10G',
    'log-level': 'warn',
  }),
  '/bad.json': '[1]',
};
const read = (p: string) => {
  if (!(p in files)) throw new Error('ENOENT');
  return files[p]!;
};

describe('relay settings from flags, environment and a config file', () => {
  it('takes flags over the environment over the file, through the same checks as flags', () => {
    const r = withConfigSources(
      ['--port', '8443', '--config', '/etc/peertree.json'],
      { PEERTREE_DATA: '/srv/pt', PEERTREE_REPLICAS: '5', PEERTREE_DIAG: '1' },
      read,
    );
    if (!r.ok) throw new Error(r.error);
    const parsed = parseRelayArgs(r.argv);
    if (parsed.ok !== true) throw new Error(JSON.stringify(parsed));
    expect(parsed.value).toMatchObject({
      port: 8443,
      dataDir: '/srv/pt',
      replicas: 5,
      diag: true,
      join: ['https://a.example:1', 'https://b.example:2'],
      capacityBytes: 10 * 1024 ** 3,
      logLevel: 'warn',
    });
  });

  it('reads PEERTREE_CONFIG and comma-separated lists from the environment', () => {
    const r = withConfigSources(
      [],
      { PEERTREE_CONFIG: '/etc/peertree.json', PEERTREE_JOIN: 'https://c.example:3' },
      read,
    );
    if (!r.ok) throw new Error(r.error);
    const parsed = parseRelayArgs(r.argv);
    expect(parsed.ok === true && parsed.value.join).toEqual(['https://c.example:3']);
    expect(envName('max-peers')).toBe('PEERTREE_MAX_PEERS');
  });

  it('refuses unreadable or malformed files, unknown settings and bad values clearly', () => {
    expect(withConfigSources(['--config', '/missing.json'], {}, read)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot read the config file/),
    });
    expect(withConfigSources(['--config', '/bad.json'], {}, read)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not a JSON object/),
    });
    files['/unknown.json'] = '{"prot": 1}';
    expect(withConfigSources(['--config=/unknown.json'], {}, read)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown setting "prot"/),
    });
    expect(withConfigSources([], { PEERTREE_HTTP: 'maybe' }, read)).toMatchObject({ ok: false });
    const r = withConfigSources([], { PEERTREE_PORT: 'eighty' }, read);
    expect(r.ok && parseRelayArgs(r.argv)).toMatchObject({ ok: false, error: expect.stringMatching(/--port/) });
  });
});
