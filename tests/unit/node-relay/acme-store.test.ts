// The ACME files in the data folder: the account key is made once (0600) and reused; the certificate file
// (key and chain together, 0600) round-trips, and one made for another domain, another CA or with the wrong
// key is refused with the reason instead of being served.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkCertificate,
  formatStoredCertificate,
  loadOrCreateAccountKey,
  loadStoredCertificate,
  newCertificateKey,
  parseStoredCertificate,
  saveCertificate,
} from '../../../node-relay/acme/acme-store.ts';
import { DATA_FILES, openDataDir } from '../../../node-relay/data/data-dir.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';

const DIRECTORY = 'https://ca.example/dir';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = async () => {
  const d = mkdtempSync(join(tmpdir(), 'peertree-acme-store-'));
  dirs.push(d);
  return openDataDir(d, silentLogger);
};

/** A certificate for `domain` (self-signed: the store checks names, dates and keys, not the CA). */
async function certFor(domain: string): Promise<{ key: string; chain: string }> {
  const pems = await generate([{ name: 'commonName', value: domain }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 90 * 86_400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2 as const, value: domain }] }],
  });
  return { key: pems.private, chain: pems.cert };
}

describe('ACME account key', () => {
  it('is made once, 0600, and the same key comes back at the next start', async () => {
    const dir = await tmp();
    const first = await loadOrCreateAccountKey(dir, silentLogger);
    expect(first.created).toBe(true);
    expect(statSync(dir.file(DATA_FILES.acmeAccountKey)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateAccountKey(dir, silentLogger);
    expect(again).toEqual({ pem: first.pem, created: false });
  });

  it('tightens a readable key file and refuses one that is not a key, saying what to do', async () => {
    const dir = await tmp();
    await loadOrCreateAccountKey(dir, silentLogger);
    chmodSync(dir.file(DATA_FILES.acmeAccountKey), 0o644);
    await loadOrCreateAccountKey(dir, silentLogger);
    expect(statSync(dir.file(DATA_FILES.acmeAccountKey)).mode & 0o777).toBe(0o600);
    writeFileSync(dir.file(DATA_FILES.acmeAccountKey), 'garbage');
    await expect(loadOrCreateAccountKey(dir, silentLogger)).rejects.toThrow(/move it away/);
  });
});

describe('stored ACME certificate', () => {
  it('round-trips through acme-cert.pem (0600) with its dates, issuer and serial', async () => {
    const dir = await tmp();
    const { key, chain } = await certFor('relay.example.org');
    const checked = checkCertificate('relay.example.org', DIRECTORY, key, chain);
    if (!checked.ok) throw new Error(checked.reason);
    await saveCertificate(dir, checked.cert);
    expect(statSync(dir.file(DATA_FILES.acmeCert)).mode & 0o777).toBe(0o600);
    const loaded = await loadStoredCertificate(dir, 'relay.example.org', DIRECTORY, silentLogger);
    expect(loaded.problem).toBeNull();
    expect(loaded.cert).toEqual(checked.cert);
    expect(loaded.cert!.notAfter).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    // Saving again replaces the file whole.
    const other = await certFor('relay.example.org');
    const next = checkCertificate('relay.example.org', DIRECTORY, other.key, other.chain);
    if (!next.ok) throw new Error(next.reason);
    await saveCertificate(dir, next.cert);
    expect((await loadStoredCertificate(dir, 'relay.example.org', DIRECTORY, silentLogger)).cert!.serialNumber).toBe(
      next.cert.serialNumber,
    );
  });

  it('is absent without a file', async () => {
    expect(await loadStoredCertificate(await tmp(), 'relay.example.org', DIRECTORY, silentLogger)).toEqual({
      cert: null,
      problem: null,
    });
  });

  it('is refused when made for another domain, another CA, with another key or damaged', async () => {
    const { key, chain } = await certFor('relay.example.org');
    const checked = checkCertificate('relay.example.org', DIRECTORY, key, chain);
    if (!checked.ok) throw new Error(checked.reason);
    const text = formatStoredCertificate(checked.cert);
    expect(parseStoredCertificate(text, 'other.example.org', DIRECTORY)).toEqual({
      ok: false,
      reason: 'it is for relay.example.org, not other.example.org',
    });
    expect(parseStoredCertificate(text, 'relay.example.org', 'https://staging.example/dir')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/came from/),
    });
    expect(parseStoredCertificate('garbage', 'relay.example.org', DIRECTORY)).toMatchObject({ ok: false });
    expect(checkCertificate('relay.example.org', DIRECTORY, newCertificateKey(), chain)).toEqual({
      ok: false,
      reason: 'the key does not match the certificate',
    });
    expect(checkCertificate('other.example.org', DIRECTORY, key, chain)).toEqual({
      ok: false,
      reason: 'the certificate is not for other.example.org',
    });
    expect(checkCertificate('relay.example.org', DIRECTORY, key, '')).toEqual({
      ok: false,
      reason: 'no certificate in it',
    });
  });

  it('loads a damaged file as a problem, not a crash', async () => {
    const dir = await tmp();
    writeFileSync(dir.file(DATA_FILES.acmeCert), 'PeerTree certificate from an ACME CA\ndomain: relay.example.org\n', {
      mode: 0o600,
    });
    const loaded = await loadStoredCertificate(dir, 'relay.example.org', 'x', silentLogger);
    expect(loaded.cert).toBeNull();
    expect(loaded.problem).toMatch(/came from/);
    expect(readFileSync(dir.file(DATA_FILES.acmeCert), 'utf8')).toMatch(/^PeerTree/);
  });
});
