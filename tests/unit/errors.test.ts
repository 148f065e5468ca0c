import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { LIMITS, validateLimits } from '../../core/limits.ts';

describe('errors', () => {
  it('carry a stable code with its HTTP status and close code', () => {
    const e = new PeerTreeError('TOO_LARGE');
    expect(e.code).toBe('TOO_LARGE');
    expect(e.httpStatus).toBe(413);
    expect(e.closeCode).toBe(1009);
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 'TOO_LARGE', message: 'too large' });
  });

  it('give every code a distinct close code in the ranges WebSocket allows', () => {
    const closes = Object.values(ERROR_TABLE).map((e) => e.close);
    expect(new Set(closes).size).toBe(closes.length);
    for (const c of closes)
      expect(c === 1001 || c === 1009 || c === 1011 || c === 1013 || (c >= 4000 && c < 5000)).toBe(true);
  });

  it('wrap unknown errors as INTERNAL and keep PeerTreeErrors as they are', () => {
    const original = new PeerTreeError('NOT_FOUND');
    expect(toPeerTreeError(original)).toBe(original);
    expect(toPeerTreeError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });
});

describe('limits', () => {
  it('are consistent as shipped', () => {
    expect(() => validateLimits()).not.toThrow();
  });

  it('are refused when a frame cannot hold the largest header and payload', () => {
    expect(() => validateLimits({ ...LIMITS, maxFrameBytes: LIMITS.maxPayloadBytes })).toThrow(/maxFrameBytes/);
    expect(() => validateLimits({ ...LIMITS, freshnessWindowMs: 0 })).toThrow(/positive/);
  });
});
