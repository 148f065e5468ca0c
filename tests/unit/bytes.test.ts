import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  concatBytes,
  equalBytes,
  fromBase64Url,
  fromHex,
  fromUtf8,
  readU32BE,
  toBase64Url,
  toHex,
  utf8,
  writeU32BE,
} from '../../core/bytes.ts';

describe('byte helpers', () => {
  it('round-trip hex and base64url for any bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        (b) => equalBytes(fromHex(toHex(b)), b) && equalBytes(fromBase64Url(toBase64Url(b)), b),
      ),
    );
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

  it('writes and reads big-endian u32 exactly as a DataView does, at any offset of a view', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 8 }), (value, offset) => {
        const whole = new Uint8Array(16);
        const view = whole.subarray(3);
        writeU32BE(view, offset, value);
        expect(new DataView(whole.buffer, 3).getUint32(offset, false)).toBe(value);
        expect(readU32BE(view, offset)).toBe(value);
      }),
    );
  });

  it('refuses u32 offsets outside the bytes', () => {
    const b = new Uint8Array(6);
    expect(() => writeU32BE(b, 3, 1)).toThrow(RangeError);
    expect(() => readU32BE(b, -1)).toThrow(RangeError);
    expect(() => readU32BE(b, 2.5)).toThrow(RangeError);
    expect(readU32BE(b, 2)).toBe(0);
  });
});
