// The relay's TLS certificate: a self-signed pair made at first start and reused, or a real one given by flags.
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { generate } from 'selfsigned';
import type { Logger } from '../log-contract.ts';
import { createFileOnce, DATA_FILES, ensurePrivate, readIfExists, SECRET_FILE_MODE, type DataDir } from './data-dir.ts';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint of the certificate (informational: trust comes from the handshake signatures). */
  readonly fingerprint256: string;
  readonly selfSigned: boolean;
}

/** Self-signed certificates are valid this long; peers never check it against a CA anyway. */
const VALIDITY_DAYS = 3650;

async function makeSelfSigned(hosts: readonly string[]): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALIDITY_DAYS * 86_400_000);
  const ips = new Set(['127.0.0.1', '::1']);
  const names = new Set(['localhost']);
  for (const h of hosts) (/^[\d.]+$|:/.test(h) ? ips : names).add(h);
  const pems = await generate([{ name: 'commonName', value: 'peertree-relay' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...[...names].map((value) => ({ type: 2 as const, value })),
          ...[...ips].map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

function describe(cert: string, key: string, selfSigned: boolean): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`certificate is not a valid PEM X.509 certificate: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key, fingerprint256: x509.fingerprint256, selfSigned };
}

/** Loads the certificate pair from the data folder, creating it (key file 0600) at first start. */
export async function loadOrCreateSelfSigned(
  dir: DataDir,
  hosts: readonly string[],
  logger: Logger,
): Promise<TlsMaterial> {
  const certPath = dir.file(DATA_FILES.cert);
  const keyPath = dir.file(DATA_FILES.key);
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert !== null && key !== null) {
    await ensurePrivate(keyPath, logger);
    return describe(cert.toString('utf8'), key.toString('utf8'), true);
  }
  if (cert !== null || key !== null) {
    throw new Error(
      `only one of ${DATA_FILES.cert} and ${DATA_FILES.key} exists in ${dir.path}; remove it to make a new pair`,
    );
  }
  const made = await makeSelfSigned(hosts);
  // Key first: a crash in between leaves a lone key, which the check above reports instead of pairing it wrongly.
  const keyText = (await createFileOnce(keyPath, made.key, SECRET_FILE_MODE)).toString('utf8');
  const certText = (await createFileOnce(certPath, made.cert, 0o644)).toString('utf8');
  logger.info('created self-signed certificate', { cert: certPath });
  return describe(certText, keyText, true);
}

/** Reads a real certificate and key given with --cert/--key. */
export async function loadTlsFiles(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
  return describe(cert, key, false);
}
