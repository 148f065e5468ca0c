// When to order a certificate by ACME: a pure planner over the stored certificate's dates, the clock and past failures.
import { CERT_LIMITS } from '../../core/limits.ts';

export type CertLimits = Readonly<Record<keyof typeof CERT_LIMITS, number>>;

/** The validity of the certificate being served (milliseconds since the epoch). */
export interface CertDates {
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface RenewalInput {
  readonly now: number;
  /** The certificate from the ACME CA being served; null when there is none yet (or the stored one is unusable). */
  readonly cert: CertDates | null;
  /** Orders that failed in a row since the last success. */
  readonly failures: number;
  /** When the last order started (success or not); null before the first. */
  readonly lastOrderAt: number | null;
}

export type RenewalDecision =
  | { readonly kind: 'order'; readonly why: 'missing' | 'due' | 'retry' }
  | { readonly kind: 'wait'; readonly until: number; readonly why: 'valid' | 'backoff' | 'spacing' };

/**
 * The moment a certificate falls due: when fewer than CERT_RENEW_BEFORE_MS (30 days) remain, but never before
 * only 1/CERT_RENEW_LIFETIME_DIVISOR of its lifetime is left, so a short-lived certificate (a 6-day one, or a
 * test CA's minutes) is renewed at two thirds of its life instead of at once and again and again.
 */
export function renewalDueAt(cert: CertDates, limits: CertLimits = CERT_LIMITS): number {
  const lifetime = Math.max(0, cert.notAfter - cert.notBefore);
  const ahead = Math.min(limits.CERT_RENEW_BEFORE_MS, Math.floor(lifetime / limits.CERT_RENEW_LIFETIME_DIVISOR));
  return cert.notAfter - ahead;
}

/** The wait after `failures` failed orders in a row: ACME_RETRY_MIN_MS doubling, at most CERT_CHECK_INTERVAL_MS. */
export function retryDelay(failures: number, limits: CertLimits = CERT_LIMITS): number {
  if (failures <= 0) return 0;
  const doubled = limits.ACME_RETRY_MIN_MS * 2 ** Math.min(failures - 1, 30);
  return Math.min(doubled, limits.CERT_CHECK_INTERVAL_MS);
}

/**
 * Decides whether to order now or how long to wait. A wait is never longer than CERT_CHECK_INTERVAL_MS (the
 * daily look, which also catches a clock that jumped), and two orders are never closer than
 * ACME_MIN_ORDER_INTERVAL_MS apart.
 */
export function planRenewal(input: RenewalInput, limits: CertLimits = CERT_LIMITS): RenewalDecision {
  const { now, cert, failures, lastOrderAt } = input;
  const daily = now + limits.CERT_CHECK_INTERVAL_MS;
  if (failures > 0 && lastOrderAt !== null) {
    const retryAt = lastOrderAt + retryDelay(failures, limits);
    if (now < retryAt) return { kind: 'wait', until: Math.min(retryAt, daily), why: 'backoff' };
    return { kind: 'order', why: 'retry' };
  }
  if (cert !== null) {
    const due = renewalDueAt(cert, limits);
    if (now < due) return { kind: 'wait', until: Math.min(due, daily), why: 'valid' };
  }
  if (lastOrderAt !== null && now < lastOrderAt + limits.ACME_MIN_ORDER_INTERVAL_MS) {
    return { kind: 'wait', until: lastOrderAt + limits.ACME_MIN_ORDER_INTERVAL_MS, why: 'spacing' };
  }
  return { kind: 'order', why: cert === null ? 'missing' : 'due' };
}
