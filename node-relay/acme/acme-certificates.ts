// Automatic certificates (--domain): order one from an ACME CA with acme-client over HTTP-01, store it in the
// data folder, hand it to the HTTPS server, and renew it on time (renewal-plan.ts decides when). Browsers get
// this certificate; relays keep trusting each other by the signed handshake, whatever certificate is served.
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import acme from 'acme-client';
import {
  ACME_ORDER_TIMEOUT_MS,
  ACME_POLL_ATTEMPTS,
  ACME_POLL_MAX_MS,
  ACME_POLL_MIN_MS,
  ACME_REQUEST_TIMEOUT_MS,
} from '../../core/limits.ts';
import type { Clock, Timers } from '../components.ts';
import type { AcmeConfig } from '../config/relay-config.ts';
import type { DataDir } from '../data/data-dir.ts';
import { DATA_FILES } from '../data/data-dir.ts';
import type { Logger } from '../log-contract.ts';
import {
  checkCertificate,
  loadOrCreateAccountKey,
  loadStoredCertificate,
  newCertificateKey,
  saveCertificate,
  type StoredCertificate,
} from './acme-store.ts';
import { startChallengeServer, type ChallengeServer } from './challenge-server.ts';
import { planRenewal, renewalDueAt } from './renewal-plan.ts';

export interface AcmeDeps {
  readonly dataDir: DataDir;
  /** Address the HTTP-01 listener binds (the relay's --host). */
  readonly host: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Called with every certificate to serve: the stored one at start, each new one after an order. */
  readonly serve: (cert: StoredCertificate) => void;
}

/** The `certificate` section of the admin status. */
export interface AcmeStatus {
  readonly source: 'acme';
  readonly domain: string;
  readonly directory: string;
  /** `pending`: no certificate from the CA yet (the self-signed one is served); `valid`: one is served. */
  readonly state: 'pending' | 'valid';
  readonly notAfter: string | null;
  readonly renewAt: string | null;
  readonly issuer: string | null;
  readonly serialNumber: string | null;
  readonly failures: number;
  readonly lastError: string | null;
  readonly nextCheck: string | null;
  readonly challengePort: number;
}

export interface AcmeCertificates {
  readonly challengePort: number;
  status(): AcmeStatus;
  /** Stops the timers and the HTTP-01 listener; an order in flight is abandoned (its result is dropped). */
  stop(): Promise<void>;
}

/**
 * acme-client sends every request through one axios instance of its own: its HTTPS agent trusts Node's roots
 * plus --acme-ca-file and nothing else changes (no process-wide TLS setting), with a per-request time limit.
 */
function configureAcmeHttp(extraCa: string | null): void {
  acme.axios.defaults.httpsAgent = new Agent({
    ca: extraCa === null ? [...rootCertificates] : [...rootCertificates, extraCa],
    keepAlive: false,
  });
  acme.axios.defaults.timeout = ACME_REQUEST_TIMEOUT_MS;
  // Redirects are not part of ACME: a redirected request is an error, not a second destination.
  acme.axios.defaults.maxRedirects = 0;
}

function withTimeout<T>(promise: Promise<T>, ms: number, timers: Timers, what: string): Promise<T> {
  let handle: unknown;
  const timeout = new Promise<never>(
    (_, reject) => (handle = timers.setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => timers.clearTimeout(handle));
}

/** What an ACME error says, in one line (the CA's problem document when there is one). */
function describeError(err: unknown): string {
  const e = err as { message?: string; response?: { data?: { detail?: string; type?: string } } };
  const detail = e.response?.data?.detail;
  return (
    detail !== undefined ? `${detail} (${e.response?.data?.type ?? 'ACME error'})` : (e.message ?? String(err))
  ).slice(0, 500);
}

/**
 * Starts the HTTP-01 listener, serves the stored certificate when it is usable, and orders a new one when
 * there is none or it falls due. Throws (the relay does not start) only for what the operator must fix now:
 * the listener's port, an unreadable --acme-ca-file or account key. A failing CA is logged and retried.
 */
export async function startAcmeCertificates(config: AcmeConfig, deps: AcmeDeps): Promise<AcmeCertificates> {
  const { logger, clock, timers, dataDir } = deps;
  const extraCa =
    config.caFile === undefined
      ? null
      : await readFile(config.caFile, 'utf8').catch((err: Error) => {
          throw new Error(`cannot read --acme-ca-file ${config.caFile}: ${err.message}`, { cause: err });
        });
  configureAcmeHttp(extraCa);
  acme.setLogger((message) => logger.debug('ACME client', { event: 'acme.client', detail: message }));
  const account = await loadOrCreateAccountKey(dataDir, logger);
  if (account.created)
    logger.info('created an ACME account key', {
      event: 'acme.account_key_created',
      file: dataDir.file(DATA_FILES.acmeAccountKey),
    });

  const stored = await loadStoredCertificate(dataDir, config.domain, config.directoryUrl, logger);
  if (stored.problem !== null) {
    logger.warn('the stored ACME certificate cannot be used; ordering a new one', {
      event: 'acme.stored_unusable',
      file: dataDir.file(DATA_FILES.acmeCert),
      reason: stored.problem,
    });
  }
  let current: StoredCertificate | null =
    stored.cert !== null && stored.cert.notAfter > clock.now() ? stored.cert : null;
  const challenges: ChallengeServer = await startChallengeServer(deps.host, config.httpPort, logger);

  let failures = 0;
  let lastOrderAt: number | null = null;
  let lastError: string | null = null;
  let nextCheck: number | null = null;
  let timer: unknown = null;
  let stopped = false;

  if (current !== null) {
    deps.serve(current);
    logger.info('serving the stored ACME certificate', {
      event: 'acme.certificate_reused',
      domain: config.domain,
      notAfter: new Date(current.notAfter).toISOString(),
      renewAt: new Date(renewalDueAt(current)).toISOString(),
    });
  }

  const order = async (): Promise<StoredCertificate> => {
    const client = new acme.Client({
      directoryUrl: config.directoryUrl,
      accountKey: account.pem,
      backoffAttempts: ACME_POLL_ATTEMPTS,
      backoffMin: ACME_POLL_MIN_MS,
      backoffMax: ACME_POLL_MAX_MS,
    });
    const key = newCertificateKey();
    const [, csr] = await acme.crypto.createCsr({ commonName: config.domain, altNames: [config.domain] }, key);
    const chain = await client.auto({
      csr,
      ...(config.email !== undefined ? { email: config.email } : {}),
      // Running with --domain is accepting the CA's terms (docs/operating.md says so).
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // acme-client's own pre-check fetches the token through this machine's DNS and routing, which fails behind
      // NAT without hairpinning although the CA can reach the relay; the CA's validation is the one that counts.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01')
          throw new Error(`the CA offered ${challenge.type}; this relay answers http-01 only`);
        challenges.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        challenges.remove(challenge.token);
      },
    });
    const checked = checkCertificate(config.domain, config.directoryUrl, key, chain);
    if (!checked.ok) throw new Error(`the CA's certificate cannot be served: ${checked.reason}`);
    return checked.cert;
  };

  const schedule = (): void => {
    if (stopped) return;
    const now = clock.now();
    const decision = planRenewal({ now, cert: current, failures, lastOrderAt });
    if (decision.kind === 'wait') {
      nextCheck = decision.until;
      timer = timers.setTimeout(schedule, Math.max(0, decision.until - now));
      return;
    }
    nextCheck = null;
    lastOrderAt = now;
    logger.info('ordering a certificate by ACME', {
      event: 'acme.order_started',
      domain: config.domain,
      why: decision.why,
      directory: config.directoryUrl,
    });
    const run = async (): Promise<StoredCertificate | null> => {
      const cert = await withTimeout(order(), ACME_ORDER_TIMEOUT_MS, timers, 'the ACME order');
      if (stopped) return null;
      await saveCertificate(dataDir, cert);
      deps.serve(cert);
      return cert;
    };
    void run().then(
      (cert) => {
        if (cert === null) return;
        current = cert;
        failures = 0;
        lastError = null;
        logger.info('serving a new certificate from the ACME CA', {
          event: 'acme.certificate_issued',
          domain: config.domain,
          issuer: cert.issuer,
          serialNumber: cert.serialNumber,
          notAfter: new Date(cert.notAfter).toISOString(),
          renewAt: new Date(renewalDueAt(cert)).toISOString(),
        });
        schedule();
      },
      (err: unknown) => {
        if (stopped) return;
        failures += 1;
        lastError = describeError(err);
        schedule();
        logger.error('the ACME order failed; the relay keeps serving its current certificate and tries again later', {
          event: 'acme.order_failed',
          domain: config.domain,
          failures,
          error: lastError,
          serving: current === null ? 'self-signed' : 'acme',
          retryAt: nextCheck === null ? null : new Date(nextCheck).toISOString(),
        });
      },
    );
  };
  schedule();

  return {
    challengePort: challenges.port,
    status: () => ({
      source: 'acme',
      domain: config.domain,
      directory: config.directoryUrl,
      state: current === null ? 'pending' : 'valid',
      notAfter: current === null ? null : new Date(current.notAfter).toISOString(),
      renewAt: current === null ? null : new Date(renewalDueAt(current)).toISOString(),
      issuer: current?.issuer ?? null,
      serialNumber: current?.serialNumber ?? null,
      failures,
      lastError,
      nextCheck: nextCheck === null ? null : new Date(nextCheck).toISOString(),
      challengePort: challenges.port,
    }),
    async stop() {
      stopped = true;
      if (timer !== null) timers.clearTimeout(timer);
      await challenges.close();
    },
  };
}
