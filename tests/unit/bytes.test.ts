import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, equalBytes, fromBase64Url, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from '../../core/bytes.ts';

describe('byte helpers', () => {
  it('round-trip hex and base64url for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => equalBytes(fromHex(toHex(b)), b) && equalBytes(fromBase64Url(toBase64Url(b)), b)));
  });

  it('refuse invalid hex, base64url and UTF-8 with BAD_INPUT', () => {
    expect(() => fromHex('abc')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => fromHex('zz')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => fromBase64Url('a+b')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => fromUtf8(Uint8Array.of(0xc3, 0x28))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('concatenate and compare', () => {
    expect([...concatBytes(Uint8Array.of(1), Uint8Array.of(), Uint8Array.of(2, 3))]).toEqual([1, 2, 3]);
    expect(equalBytes(utf8('a'), utf8('a'))).toBe(true);
    expect(equalBytes(utf8('a'), utf8('b'))).toBe(false);
    expect(equalBytes(utf8('a'), utf8('ab'))).toBe(false);
  });
});
