// Decoder of `aws-chunked` request bodies: STREAMING-AWS4-HMAC-SHA256-PAYLOAD (every chunk signed, chained from
// the request's seed signature), STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (the same, then a checksum trailer with
// its own signature chained from the last chunk's) and STREAMING-UNSIGNED-PAYLOAD-TRAILER (plain chunks, trailer).
// Streams: holds at most one read from the socket plus one header line, never a whole chunk.
import { createHash, timingSafeEqual } from 'node:crypto';
import { S3_MAX_CHUNK_BYTES, S3_MAX_CHUNK_LINE_BYTES, S3_MAX_TRAILERS } from '../../core/limits.ts';
import { s3Error } from './errors.ts';
import { checksumAlgorithmOf, runningChecksum } from './checksum.ts';

export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const EMPTY_SHA256 = createHash('sha256').digest('hex');

export interface ChunkSigning {
  /** The request's own signature: the first chunk's signature chains from it. */
  readonly seedSignature: string;
  /** X-Amz-Date as signed (yyyymmddThhmmssZ). */
  readonly amzDate: string;
  readonly scope: string;
  /** HMAC-SHA256 (hex) of a string with the request's signing key. */
  readonly signString: (stringToSign: string) => Promise<string>;
  /** The signed-trailer form: trailer headers follow the last chunk, then x-amz-trailer-signature. */
  readonly trailer?: boolean;
}

export interface ChunkedOptions {
  /** Present for the signed form: every chunk's signature is checked. */
  readonly signing?: ChunkSigning;
  /** x-amz-decoded-content-length: the body must decode to exactly this many bytes. */
  readonly decodedLength?: number;
  /** Called with each trailer header of the unsigned-trailer form (lower-case name, value). */
  readonly onTrailer?: (name: string, value: string) => void;
}

/** Pulls bytes from an async source: lines up to CRLF, or exactly n bytes in the pieces they arrive in. */
class ByteReader {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async more(): Promise<void> {
    const r = await this.it.next();
    if (r.done) throw s3Error('IncompleteBody', 'the aws-chunked body ended early');
    this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
  }
  async line(): Promise<string> {
    for (;;) {
      const at = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.length).indexOf('\r\n');
      if (at !== -1) {
        const text = Buffer.from(this.buf.subarray(0, at)).toString('latin1');
        this.buf = this.buf.subarray(at + 2);
        return text;
      }
      if (this.buf.length > S3_MAX_CHUNK_LINE_BYTES)
        throw s3Error('InvalidRequest', 'an aws-chunked header line is too long');
      await this.more();
    }
  }
  async *bytes(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0) await this.more();
      const take = Math.min(left, this.buf.length);
      const piece = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      yield piece;
    }
  }
  /** True when the source has nothing after what was read. */
  async atEnd(): Promise<boolean> {
    if (this.buf.length > 0) return false;
    const r = await this.it.next();
    if (r.done) return true;
    this.buf = r.value;
    return r.value.length === 0 ? this.atEnd() : false;
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads the signed form's trailer headers and checks x-amz-trailer-signature over them (chained from `previous`). */
async function readSignedTrailer(
  reader: ByteReader,
  signing: ChunkSigning,
  previous: string,
  onTrailer: ChunkedOptions['onTrailer'],
): Promise<void> {
  const headers: [string, string][] = [];
  let signature: string | null = null;
  for (let line = await reader.line(); line !== ''; line = (await reader.atEnd()) ? '' : await reader.line()) {
    const colon = line.indexOf(':');
    if (colon === -1) throw s3Error('InvalidRequest', 'malformed aws-chunked trailer');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') signature = value;
    else if (signature !== null) throw s3Error('InvalidRequest', 'a trailer header follows x-amz-trailer-signature');
    else if (headers.length >= S3_MAX_TRAILERS) throw s3Error('InvalidRequest', 'too many aws-chunked trailers');
    else headers.push([name, value]);
  }
  if (signature === null) throw s3Error('SignatureDoesNotMatch', 'the aws-chunked trailer is not signed');
  const canonical = headers.map(([n, v]) => `${n}:${v}\n`).join('');
  const toSign = [
    'AWS4-HMAC-SHA256-TRAILER',
    signing.amzDate,
    signing.scope,
    previous,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  if (!sameHex(await signing.signString(toSign), signature))
    throw s3Error('SignatureDoesNotMatch', 'the aws-chunked trailer signature does not match');
  for (const [n, v] of headers) onTrailer?.(n, v);
}

/** Decodes an aws-chunked body; throws S3's error (SignatureDoesNotMatch, IncompleteBody, BadDigest, …) on bad input. */
export async function* decodeAwsChunked(
  source: AsyncIterable<Uint8Array>,
  options: ChunkedOptions,
): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source);
  const signing = options.signing;
  let previous = signing?.seedSignature ?? '';
  let total = 0;
  for (;;) {
    const header = await reader.line();
    const m = signing
      ? /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/.exec(header)
      : /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(header);
    if (!m)
      throw s3Error(
        signing ? 'SignatureDoesNotMatch' : 'InvalidRequest',
        `malformed aws-chunked chunk header ${JSON.stringify(header.slice(0, 100))}`,
      );
    const size = parseInt(m[1]!, 16);
    if (size > S3_MAX_CHUNK_BYTES)
      throw s3Error('InvalidRequest', `an aws-chunked chunk is larger than ${S3_MAX_CHUNK_BYTES} bytes`);
    const hash = signing ? createHash('sha256') : null;
    for await (const piece of reader.bytes(size)) {
      hash?.update(piece);
      total += piece.length;
      if (options.decodedLength !== undefined && total > options.decodedLength)
        throw s3Error('IncompleteBody', 'the body is longer than x-amz-decoded-content-length');
      yield piece;
    }
    if (signing) {
      const toSign = [
        'AWS4-HMAC-SHA256-PAYLOAD',
        signing.amzDate,
        signing.scope,
        previous,
        EMPTY_SHA256,
        hash!.digest('hex'),
      ].join('\n');
      const expected = await signing.signString(toSign);
      if (!sameHex(expected, m[2]!))
        throw s3Error('SignatureDoesNotMatch', 'an aws-chunked chunk signature does not match');
      previous = expected;
    }
    if (size === 0) break;
    if ((await reader.line()) !== '') throw s3Error('IncompleteBody', 'an aws-chunked chunk is not followed by CRLF');
  }
  if (options.decodedLength !== undefined && total !== options.decodedLength)
    throw s3Error('IncompleteBody', 'the body is shorter than x-amz-decoded-content-length');
  if (signing && !signing.trailer) {
    // The final zero-size chunk ends with an empty line (no trailer in this form).
    await reader.line();
    return;
  }
  if (signing) {
    await readSignedTrailer(reader, signing, previous, options.onTrailer);
    return;
  }
  // Trailers: name:value lines, then an empty line (some clients end the body without it).
  if (await reader.atEnd()) return;
  for (let line = await reader.line(); line !== ''; line = (await reader.atEnd()) ? '' : await reader.line()) {
    const colon = line.indexOf(':');
    if (colon === -1) throw s3Error('InvalidRequest', 'malformed aws-chunked trailer');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    options.onTrailer?.(name, value);
  }
}

/** Wraps a decoded body so that its bytes are checked against the trailer's checksum once the body ends. */
export async function* checkTrailer(
  source: AsyncIterable<Uint8Array>,
  options: ChunkedOptions,
  algorithmHint: string | undefined,
): AsyncGenerator<Uint8Array> {
  const running = algorithmHint ? runningChecksum(algorithmHint) : null;
  let trailer: { algorithm: string; value: string } | null = null;
  const onTrailer = (name: string, value: string) => {
    const algorithm = checksumAlgorithmOf(name);
    if (algorithm) trailer = { algorithm, value };
    options.onTrailer?.(name, value);
  };
  for await (const piece of decodeAwsChunked(source, { ...options, onTrailer })) {
    running?.update(piece);
    yield piece;
  }
  const got = trailer as { algorithm: string; value: string } | null;
  if (running && got && got.algorithm === algorithmHint!.toLowerCase() && running.digest() !== got.value) {
    throw s3Error('BadDigest', `the ${got.algorithm} checksum in the trailer does not match the body`);
  }
}
