// The ACME account key and the issued certificate in the data folder (both 0600), and the checks a stored one passes.
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { Logger } from '../log-contract.ts';
import {
  createFileOnce,
  DATA_FILES,
  ensurePrivate,
  readIfExists,
  replaceFile,
  SECRET_FILE_MODE,
  type DataDir,
} from '../data/data-dir.ts';

/** First line of acme-cert.pem; the lines after it name the domain and the directory it was issued for. */
const HEADER = 'PeerTree certificate from an ACME CA';

/** A certificate the relay got by ACME, as stored and as served. */
export interface StoredCertificate {
  readonly domain: string;
  readonly directoryUrl: string;
  /** PEM private key of the certificate (not the account key). */
  readonly key: string;
  /** PEM chain: the leaf first, then the CA's intermediates. */
  readonly chain: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly fingerprint256: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END \1-----/g;

/** The PEM blocks of a text, by label ("CERTIFICATE", "PRIVATE KEY", …), in order. */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] + '\n' }));
}

/**
 * Checks a key and chain for `domain`: the leaf parses, names the domain (SAN), matches the key. Returns the
 * certificate or the reason it cannot be served, in words.
 */
export function checkCertificate(
  domain: string,
  directoryUrl: string,
  key: string,
  chain: string,
): { ok: true; cert: StoredCertificate } | { ok: false; reason: string } {
  const certs = pemBlocks(chain).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) return { ok: false, reason: 'no certificate in it' };
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]!.pem);
  } catch (err) {
    return { ok: false, reason: `the certificate does not parse (${(err as Error).message})` };
  }
  if (leaf.checkHost(domain, { subject: 'never' }) === undefined)
    return { ok: false, reason: `the certificate is not for ${domain}` };
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key)))
      return { ok: false, reason: 'the key does not match the certificate' };
  } catch (err) {
    return { ok: false, reason: `the key does not parse (${(err as Error).message})` };
  }
  return {
    ok: true,
    cert: {
      domain,
      directoryUrl,
      key,
      chain: certs.map((c) => c.pem).join(''),
      notBefore: Date.parse(leaf.validFrom),
      notAfter: Date.parse(leaf.validTo),
      issuer: leaf.issuer,
      serialNumber: leaf.serialNumber,
      fingerprint256: leaf.fingerprint256,
    },
  };
}

/** Parses acme-cert.pem and checks it is for this domain and this ACME directory. */
export function parseStoredCertificate(
  text: string,
  domain: string,
  directoryUrl: string,
): { ok: true; cert: StoredCertificate } | { ok: false; reason: string } {
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return { ok: false, reason: 'it is not a PeerTree ACME certificate file' };
  const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
  const storedDomain = field('domain');
  const storedDirectory = field('directory');
  if (storedDomain !== domain) return { ok: false, reason: `it is for ${storedDomain ?? 'no domain'}, not ${domain}` };
  if (storedDirectory !== directoryUrl)
    return { ok: false, reason: `it came from ${storedDirectory ?? 'no directory'}, not ${directoryUrl}` };
  const keys = pemBlocks(text).filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keys.length !== 1) return { ok: false, reason: 'it does not hold exactly one private key' };
  return checkCertificate(domain, directoryUrl, keys[0]!.pem, text);
}

/** The text of acme-cert.pem: the header, then the key, then the chain (one file, so one rename swaps both). */
export function formatStoredCertificate(cert: StoredCertificate): string {
  return `${HEADER}\ndomain: ${cert.domain}\ndirectory: ${cert.directoryUrl}\n${cert.key.trimEnd()}\n${cert.chain.trimEnd()}\n`;
}

/** The stored certificate if it is usable for this domain and directory; otherwise null and the reason (null: none). */
export async function loadStoredCertificate(
  dir: DataDir,
  domain: string,
  directoryUrl: string,
  logger: Logger,
): Promise<{ cert: StoredCertificate | null; problem: string | null }> {
  const path = dir.file(DATA_FILES.acmeCert);
  const text = await readIfExists(path);
  if (text === null) return { cert: null, problem: null };
  await ensurePrivate(path, logger);
  const parsed = parseStoredCertificate(text.toString('utf8'), domain, directoryUrl);
  return parsed.ok ? { cert: parsed.cert, problem: null } : { cert: null, problem: parsed.reason };
}

/** Writes acme-cert.pem (0600), replacing the previous one atomically. */
export async function saveCertificate(dir: DataDir, cert: StoredCertificate): Promise<void> {
  await replaceFile(dir.file(DATA_FILES.acmeCert), formatStoredCertificate(cert), SECRET_FILE_MODE);
}

/** The ACME account key (EC P-256, PKCS#8 PEM, 0600): made once, reused for every order and renewal. */
export async function loadOrCreateAccountKey(dir: DataDir, logger: Logger): Promise<{ pem: string; created: boolean }> {
  const path = dir.file(DATA_FILES.acmeAccountKey);
  const existing = await readIfExists(path);
  if (existing !== null) {
    await ensurePrivate(path, logger);
    const pem = existing.toString('utf8');
    try {
      createPrivateKey(pem);
    } catch (err) {
      throw new Error(
        `${path} is not a private key (${(err as Error).message}); move it away to make a new ACME account`,
        { cause: err },
      );
    }
    return { pem, created: false };
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const made = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const written = await createFileOnce(path, made, SECRET_FILE_MODE);
  return { pem: written.toString('utf8'), created: true };
}

/** A fresh private key for one certificate (EC P-256, PKCS#8 PEM); a renewal gets a new one. */
export function newCertificateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
