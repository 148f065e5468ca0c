// When a relay orders an ACME certificate: at once when it has none, when 30 days (or a third of a short
// lifetime) remain, never more than a day without a look, failures backed off, orders spaced.
import { describe, expect, it } from 'vitest';
import {
  ACME_MIN_ORDER_INTERVAL_MS,
  ACME_RETRY_MIN_MS,
  CERT_CHECK_INTERVAL_MS,
  CERT_LIMITS,
  CERT_RENEW_BEFORE_MS,
  validateCertLimits,
} from '../../../core/limits.ts';
import { planRenewal, renewalDueAt, retryDelay } from '../../../node-relay/acme/renewal-plan.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const ninetyDays = { notBefore: T0, notAfter: T0 + 90 * DAY };

describe('renewalDueAt', () => {
  it('falls due when 30 days remain of a 90-day certificate', () => {
    expect(renewalDueAt(ninetyDays)).toBe(T0 + 60 * DAY);
    expect(CERT_RENEW_BEFORE_MS).toBe(30 * DAY);
  });

  it('renews a short-lived certificate when a third of its life remains, not at once', () => {
    expect(renewalDueAt({ notBefore: T0, notAfter: T0 + 6 * DAY })).toBe(T0 + 4 * DAY);
    expect(renewalDueAt({ notBefore: T0, notAfter: T0 + 60_000 })).toBe(T0 + 40_000);
    expect(renewalDueAt({ notBefore: T0, notAfter: T0 + 365 * DAY })).toBe(T0 + 335 * DAY);
  });
});

describe('planRenewal', () => {
  it('orders at once when there is no certificate', () => {
    expect(planRenewal({ now: T0, cert: null, failures: 0, lastOrderAt: null })).toEqual({
      kind: 'order',
      why: 'missing',
    });
  });

  it('waits for a valid certificate, but looks again within a day', () => {
    expect(planRenewal({ now: T0, cert: ninetyDays, failures: 0, lastOrderAt: null })).toEqual({
      kind: 'wait',
      until: T0 + CERT_CHECK_INTERVAL_MS,
      why: 'valid',
    });
    const dayBefore = T0 + 60 * DAY - 1_000;
    expect(planRenewal({ now: dayBefore, cert: ninetyDays, failures: 0, lastOrderAt: null })).toEqual({
      kind: 'wait',
      until: T0 + 60 * DAY,
      why: 'valid',
    });
  });

  it('orders once the certificate falls due, and orders an expired one too', () => {
    expect(planRenewal({ now: T0 + 61 * DAY, cert: ninetyDays, failures: 0, lastOrderAt: T0 })).toEqual({
      kind: 'order',
      why: 'due',
    });
    expect(planRenewal({ now: T0 + 91 * DAY, cert: ninetyDays, failures: 0, lastOrderAt: T0 })).toEqual({
      kind: 'order',
      why: 'due',
    });
  });

  it('never places two orders closer than the minimum spacing', () => {
    const tiny = { notBefore: T0, notAfter: T0 + 1_000 };
    expect(planRenewal({ now: T0 + 1_000, cert: tiny, failures: 0, lastOrderAt: T0 })).toEqual({
      kind: 'wait',
      until: T0 + ACME_MIN_ORDER_INTERVAL_MS,
      why: 'spacing',
    });
  });

  it('backs off after failures, doubling up to a day, then tries again', () => {
    expect(retryDelay(1)).toBe(ACME_RETRY_MIN_MS);
    expect(retryDelay(2)).toBe(2 * ACME_RETRY_MIN_MS);
    expect(retryDelay(40)).toBe(CERT_CHECK_INTERVAL_MS);
    const failedAt = T0 + 61 * DAY;
    expect(planRenewal({ now: failedAt + 1, cert: ninetyDays, failures: 1, lastOrderAt: failedAt })).toEqual({
      kind: 'wait',
      until: failedAt + ACME_RETRY_MIN_MS,
      why: 'backoff',
    });
    expect(
      planRenewal({ now: failedAt + ACME_RETRY_MIN_MS, cert: ninetyDays, failures: 1, lastOrderAt: failedAt }),
    ).toEqual({ kind: 'order', why: 'retry' });
    expect(planRenewal({ now: failedAt + 1, cert: null, failures: 3, lastOrderAt: failedAt })).toMatchObject({
      kind: 'wait',
      until: failedAt + 4 * ACME_RETRY_MIN_MS,
    });
  });

  it('has consistent limits', () => {
    expect(() => validateCertLimits()).not.toThrow();
    expect(() => validateCertLimits({ ...CERT_LIMITS, CERT_RENEW_LIFETIME_DIVISOR: 1 })).toThrow(/share/);
    expect(() => validateCertLimits({ ...CERT_LIMITS, ACME_RETRY_MIN_MS: 2 * CERT_CHECK_INTERVAL_MS })).toThrow(
      /retry/,
    );
  });
});
