import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { RecordWriter } from '../../../core/tree/record-bytes.ts';

const bytesOf = (w: RecordWriter) => toHex(w.bytes());

describe('the record writer', () => {
  it('starts with its tag and a NUL byte', () => {
    expect(bytesOf(new RecordWriter('ab'))).toBe('616200');
    expect(bytesOf(new RecordWriter(''))).toBe('00');
  });

  it('writes integers big-endian in fixed widths', () => {
    const w = new RecordWriter('').u8(0x1ff).u16(0x0102).u32(0x01020304).u64(0x0102030405);
    expect(bytesOf(w)).toBe(['00', 'ff', '0102', '01020304', '0000000102030405'].join(''));
    expect(bytesOf(new RecordWriter('').u64(Number.MAX_SAFE_INTEGER))).toBe('00001fffffffffffff');
  });

  it('refuses integers out of range instead of wrapping them', () => {
    expect(() => new RecordWriter('').u16(0x10000)).toThrow(/u16/);
    expect(() => new RecordWriter('').u16(-1)).toThrow(/u16/);
    expect(() => new RecordWriter('').u32(0x100000000)).toThrow(/u32/);
    expect(() => new RecordWriter('').u32(1.5)).toThrow(/u32/);
    expect(() => new RecordWriter('').u64(-1)).toThrow(/u64/);
    expect(() => new RecordWriter('').u64(Number.MAX_SAFE_INTEGER + 1)).toThrow(/u64/);
  });

  it('writes text as UTF-8 with its byte length (not its character count) in front', () => {
    expect(bytesOf(new RecordWriter('').str('é'))).toBe('000002c3a9');
    expect(bytesOf(new RecordWriter('').str(''))).toBe('000000');
    expect(() => new RecordWriter('').str('x'.repeat(0x10000))).toThrow(/u16/);
  });

  it('writes hex as raw bytes only when it decodes to the stated length', () => {
    expect(bytesOf(new RecordWriter('').hex('abcd', 2))).toBe('00abcd');
    expect(() => new RecordWriter('').hex('abcd', 3)).toThrow(/3 bytes/);
    expect(() => new RecordWriter('').hex('abc', 2)).toThrow();
  });

  it('grows past its first buffer without losing bytes, and hands out a copy', () => {
    const w = new RecordWriter('t');
    for (let i = 0; i < 1_000; i++) w.u8(i);
    const out = w.bytes();
    expect(out.length).toBe(2 + 1_000);
    expect(out[2 + 999]).toBe(999 & 0xff);
    out[0] = 0;
    expect(w.bytes()[0]).toBe(0x74);
  });
});
