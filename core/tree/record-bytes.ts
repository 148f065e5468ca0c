// The fixed byte layout of signed tree structures: a growable writer of length-prefixed fields, so each
// record signs exact bytes (never JSON.stringify) and two encoders can never disagree.
import { fromHex, utf8 } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';

export class RecordWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  constructor(tag: string) {
    this.raw(utf8(tag));
    this.u8(0);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  u8(value: number): this {
    this.room(1);
    this.buf[this.len++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff)
      throw new PeerTreeError('BAD_INPUT', 'u16 out of range');
    return this.u8(value >>> 8).u8(value);
  }

  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new PeerTreeError('BAD_INPUT', 'u32 out of range');
    return this.u8(value >>> 24)
      .u8(value >>> 16)
      .u8(value >>> 8)
      .u8(value);
  }

  /** A safe integer as 8 bytes big-endian. */
  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new PeerTreeError('BAD_INPUT', 'u64 out of range');
    return this.u32(Math.floor(value / 0x100000000)).u32(value % 0x100000000);
  }

  /** UTF-8 text with a u16 byte length in front. */
  str(text: string): this {
    const bytes = utf8(text);
    return this.u16(bytes.length).raw(bytes);
  }

  /** Hex that must decode to exactly `n` bytes (keys, hashes, signatures). */
  hex(text: string, n: number): this {
    const bytes = fromHex(text);
    if (bytes.length !== n) throw new PeerTreeError('BAD_INPUT', `expected ${n} bytes of hex`);
    return this.raw(bytes);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
