// A request's payload as the bytes the client meant: aws-chunked decoded, every signature and digest the client
// gave checked (x-amz-content-sha256, chunk signatures, Content-MD5, x-amz-checksum-*), MD5 computed on the way.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { S3_MAX_PART_BYTES, S3_MAX_XML_BODY_BYTES } from '../../core/limits.ts';
import { s3Error } from './errors.ts';
import { UNSIGNED_PAYLOAD, type VerifiedRequest } from './sigv4.ts';
import { checkTrailer, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER } from './aws-chunked.ts';
import { checksumAlgorithmOf, runningChecksum, type RunningChecksum } from './checksum.ts';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function lengthHeader(req: IncomingMessage, name: string): number | undefined {
  const text = header(req, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw s3Error('InvalidArgument', `${name} is not a byte count`);
  return Number(text);
}

/** The payload's stream plus what was learnt reading it (valid once the stream ended without error). */
export class Payload {
  private md5 = createHash('md5');
  private bytes = 0;
  /** Set when reading failed: the reason, for the caller to answer with once the put has let go of its bytes. */
  failure: unknown = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly auth: VerifiedRequest,
  ) {}

  get aborted(): boolean {
    return this.failure !== null;
  }

  /** The hex MD5 of the decoded bytes (S3's ETag of a single PUT). */
  md5Hex(): string {
    return this.md5.digest('hex');
  }

  get size(): number {
    return this.bytes;
  }

  /** The bytes, checked. Never throws: a failure ends the stream early and is kept in `failure`. */
  async *stream(): AsyncGenerator<Uint8Array> {
    try {
      for await (const piece of this.checked()) {
        this.md5.update(piece);
        this.bytes += piece.length;
        yield piece;
      }
    } catch (err) {
      this.failure = err;
    }
  }

  private decoded(): AsyncIterable<Uint8Array> {
    const req = this.req;
    const mode = this.auth.payloadHash;
    const raw = req as AsyncIterable<Uint8Array>;
    if (mode === STREAMING_SIGNED || mode === STREAMING_SIGNED_TRAILER) {
      const decodedLength = lengthHeader(req, 'x-amz-decoded-content-length');
      const amzDate = header(req, 'x-amz-date') ?? '';
      const trailer = mode === STREAMING_SIGNED_TRAILER ? header(req, 'x-amz-trailer') : undefined;
      return checkTrailer(
        raw,
        {
          ...(decodedLength !== undefined ? { decodedLength } : {}),
          signing: {
            seedSignature: this.auth.signature,
            amzDate,
            scope: this.auth.scope,
            signString: this.auth.signString,
            trailer: mode === STREAMING_SIGNED_TRAILER,
          },
        },
        trailer ? (checksumAlgorithmOf(trailer) ?? undefined) : undefined,
      );
    }
    if (mode === STREAMING_UNSIGNED_TRAILER) {
      const decodedLength = lengthHeader(req, 'x-amz-decoded-content-length');
      const trailer = header(req, 'x-amz-trailer');
      const algorithm = trailer ? (checksumAlgorithmOf(trailer) ?? undefined) : undefined;
      return checkTrailer(raw, decodedLength !== undefined ? { decodedLength } : {}, algorithm);
    }
    if (mode.startsWith('STREAMING-')) throw s3Error('NotImplemented', `the payload form ${mode} is not supported`);
    if (mode !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(mode))
      throw s3Error(
        'InvalidArgument',
        'x-amz-content-sha256 must be a SHA-256 hex digest, UNSIGNED-PAYLOAD or a STREAMING- form',
      );
    return raw;
  }

  private async *checked(): AsyncGenerator<Uint8Array> {
    const req = this.req;
    const mode = this.auth.payloadHash;
    const declared = lengthHeader(
      req,
      mode.startsWith('STREAMING-') ? 'x-amz-decoded-content-length' : 'content-length',
    );
    if (declared === undefined && header(req, 'transfer-encoding') === undefined) throw s3Error('MissingContentLength');
    if (declared !== undefined && declared > S3_MAX_PART_BYTES) throw s3Error('EntityTooLarge');
    const sha = /^[0-9a-f]{64}$/.test(mode) ? createHash('sha256') : null;
    const md5Header = header(req, 'content-md5');
    if (md5Header !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(md5Header)) throw s3Error('InvalidDigest');
    const md5 = md5Header ? createHash('md5') : null;
    const checks: { name: string; value: string; sum: RunningChecksum }[] = [];
    for (const [name, value] of Object.entries(req.headers)) {
      const algorithm = checksumAlgorithmOf(name);
      const sum = algorithm ? runningChecksum(algorithm) : null;
      if (sum && typeof value === 'string') checks.push({ name, value, sum });
    }
    let total = 0;
    for await (const piece of this.decoded()) {
      total += piece.length;
      if (total > S3_MAX_PART_BYTES) throw s3Error('EntityTooLarge');
      sha?.update(piece);
      md5?.update(piece);
      for (const c of checks) c.sum.update(piece);
      yield piece;
    }
    if (declared !== undefined && total !== declared) throw s3Error('IncompleteBody');
    if (sha && sha.digest('hex') !== mode) throw s3Error('XAmzContentSHA256Mismatch');
    if (md5 && md5.digest('base64') !== md5Header) throw s3Error('BadDigest');
    for (const c of checks)
      if (c.sum.digest() !== c.value) throw s3Error('BadDigest', `the ${c.name} you gave does not match the body`);
  }
}

/** A small body read whole (XML requests): bounded by S3_MAX_XML_BODY_BYTES, checked like any payload. */
export async function readSmallBody(req: IncomingMessage, auth: VerifiedRequest): Promise<Uint8Array> {
  const declared = Number(header(req, 'content-length') ?? '0');
  if (declared > S3_MAX_XML_BODY_BYTES) throw s3Error('MaxMessageLengthExceeded');
  const payload = new Payload(req, auth);
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of payload.stream()) {
    size += piece.length;
    if (size > S3_MAX_XML_BODY_BYTES) throw s3Error('MaxMessageLengthExceeded');
    pieces.push(piece);
  }
  if (payload.failure) throw payload.failure;
  return Buffer.concat(pieces);
}
