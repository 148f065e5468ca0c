import { describe, expect, it } from 'vitest';
import {
  assembleFrame,
  FRAME_OVERHEAD,
  FRAME_SIGNATURE_TAG,
  signedBytes,
  splitFrame,
} from '../../../core/wire/frame-layout.ts';
import { fromUtf8, readU32BE, toHex, utf8 } from '../../../core/bytes.ts';

const header = utf8('{"a":1}');
const payload = Uint8Array.of(9, 8, 7);
const signature = new Uint8Array(64).fill(5);

describe('frame layout', () => {
  it('places magic, lengths, header, payload and signature at fixed offsets', () => {
    const frame = assembleFrame(header, payload, signature);
    expect(frame.length).toBe(FRAME_OVERHEAD + header.length + payload.length);
    expect(toHex(frame.subarray(0, 4))).toBe('50544601');
    expect(readU32BE(frame, 4)).toBe(header.length);
    expect(fromUtf8(frame.subarray(8, 8 + header.length))).toBe('{"a":1}');
    expect(readU32BE(frame, 8 + header.length)).toBe(3);
    expect([...frame.subarray(12 + header.length, 15 + header.length)]).toEqual([9, 8, 7]);
  });

  it('splits a frame back into views of the same bytes', () => {
    const parts = splitFrame(assembleFrame(header, payload, signature), 1024, 1024);
    if (typeof parts === 'string') throw new Error(parts);
    expect(toHex(parts.header)).toBe(toHex(header));
    expect(toHex(parts.payload)).toBe(toHex(payload));
    expect(toHex(parts.signature)).toBe(toHex(signature));
  });

  it('refuses truncation, trailing bytes, a wrong magic and oversized lengths', () => {
    const frame = assembleFrame(header, payload, signature);
    expect(splitFrame(frame.subarray(0, frame.length - 1), 1024, 1024)).toBe('truncated');
    expect(splitFrame(new Uint8Array([...frame, 0]), 1024, 1024)).toBe('truncated');
    expect(splitFrame(new Uint8Array(10), 1024, 1024)).toBe('truncated');
    const badMagic = frame.slice();
    badMagic[3] = 2;
    expect(splitFrame(badMagic, 1024, 1024)).toBe('bad-magic');
    expect(splitFrame(frame, 3, 1024)).toBe('too-large');
    expect(splitFrame(frame, 1024, 2)).toBe('too-large');
    const giant = frame.slice();
    giant.set([0xff, 0xff, 0xff, 0xff], 4);
    expect(splitFrame(giant, 0xffffffff, 1024)).toBe('truncated');
  });

  it('signs the tag, the header length and bytes, and the payload hash', () => {
    const hash = new Uint8Array(32).fill(1);
    const bytes = signedBytes(header, hash);
    expect(fromUtf8(bytes.subarray(0, FRAME_SIGNATURE_TAG.length))).toBe('peertree/frame/v1\u0000');
    expect(readU32BE(bytes, FRAME_SIGNATURE_TAG.length)).toBe(header.length);
    expect(toHex(bytes.subarray(bytes.length - 32))).toBe(toHex(hash));
  });
});
