// AWS Signature Version 4 checks (header and presigned-URL forms): the expected signature is computed for the
// request as received with @smithy/signature-v4, then compared in constant time. Nothing is trusted before this.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { S3_CLOCK_SKEW_MS, S3_MAX_PRESIGN_SECONDS } from '../../core/limits.ts';
import { s3Error } from './errors.ts';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What the signature check needs of a request: the path and query exactly as they came on the wire. */
export interface SignedRequest {
  readonly method: string;
  /** The URL path as received (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** The query string as received, without '?'. */
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
}

export interface VerifiedRequest {
  readonly form: 'header' | 'presigned';
  /** The x-amz-content-sha256 the client signed (a hex digest, UNSIGNED-PAYLOAD or a STREAMING-… form). */
  readonly payloadHash: string;
  readonly signature: string;
  readonly signingDate: Date;
  /** date/region/s3/aws4_request, as signed. */
  readonly scope: string;
  /** HMAC of `stringToSign` with this request's signing key (for aws-chunked chunk signatures). */
  readonly signString: (stringToSign: string) => Promise<string>;
}

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** node:crypto as the hash constructor @smithy/signature-v4 expects (HMAC when given a secret). */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** RFC 3986 encoding as SigV4 canonicalises it: everything but unreserved characters. */
export function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw s3Error('InvalidRequest', 'the request URL is not validly percent-encoded');
  }
}

/** The query as name → value(s), decoded ('+' stays a plus: S3 clients encode spaces as %20). */
export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (rawQuery === '') return query;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : safeDecode(part.slice(eq + 1));
    const prior = query[name];
    query[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return query;
}

/** The canonical URI: each segment decoded then encoded once, whatever escaping the client chose on the wire. */
function canonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => awsEncode(safeDecode(segment)))
    .join('/');
}

function parseAmzDate(text: string | undefined): Date {
  const m = text ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!m) throw s3Error('AccessDenied', 'the request has no valid X-Amz-Date');
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

interface Credential {
  readonly accessKeyId: string;
  readonly shortDate: string;
  readonly region: string;
  readonly scope: string;
}

function parseCredential(
  text: string,
  malformed: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError',
): Credential {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[3] !== 's3' || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1]!))
    throw s3Error(malformed, `the credential ${JSON.stringify(text)} is not ACCESSKEY/DATE/REGION/s3/aws4_request`);
  return { accessKeyId: parts[0]!, shortDate: parts[1]!, region: parts[2]!, scope: parts.slice(1).join('/') };
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks `req`'s SigV4 signature against `creds` at time `now`; resolves with what it signed or throws the S3
 * error (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed, …).
 */
export async function verifySignature(req: SignedRequest, creds: S3Credentials, now: Date): Promise<VerifiedRequest> {
  const query = parseQuery(req.rawQuery);
  const auth = headerText(req.headers, 'authorization');
  const presigned = typeof query['X-Amz-Signature'] === 'string';
  if (!auth && typeof query.AWSAccessKeyId === 'string')
    throw s3Error(
      'AccessDenied',
      'Signature Version 2 presigned URLs are not supported: presign with Signature Version 4 (AWS CLI v1: set s3.signature_version = s3v4)',
    );
  if (!auth && !presigned) throw s3Error('AccessDenied', 'the request is not signed: anonymous access is not allowed');
  const malformed = presigned && !auth ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed';
  let credentialText: string;
  let signedHeaders: string[];
  let given: string;
  let dateText: string | undefined;
  let expires = 0;
  if (auth) {
    const m = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})\s*$/.exec(
      auth,
    );
    if (!m)
      throw s3Error(
        auth.startsWith('AWS ') ? 'InvalidRequest' : malformed,
        auth.startsWith('AWS ') ? 'Signature Version 2 is not supported: use AWS4-HMAC-SHA256' : undefined,
      );
    [credentialText, signedHeaders, given] = [m[1]!, m[2]!.split(';'), m[3]!];
    dateText = headerText(req.headers, 'x-amz-date');
  } else {
    const q = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    if (
      q('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
      !q('X-Amz-Credential') ||
      !q('X-Amz-SignedHeaders') ||
      !/^[0-9a-f]{64}$/.test(q('X-Amz-Signature') ?? '')
    )
      throw s3Error(malformed);
    [credentialText, signedHeaders, given] = [
      q('X-Amz-Credential')!,
      q('X-Amz-SignedHeaders')!.split(';'),
      q('X-Amz-Signature')!,
    ];
    dateText = q('X-Amz-Date');
    expires = Number(q('X-Amz-Expires'));
    if (!Number.isSafeInteger(expires) || expires < 1 || expires > S3_MAX_PRESIGN_SECONDS)
      throw s3Error(
        'AuthorizationQueryParametersError',
        `X-Amz-Expires must be 1 to ${S3_MAX_PRESIGN_SECONDS} seconds`,
      );
  }
  const credential = parseCredential(credentialText, malformed);
  if (!signedHeaders.includes('host')) throw s3Error(malformed, 'the host header must be signed');
  if (credential.accessKeyId !== creds.accessKeyId) throw s3Error('InvalidAccessKeyId');
  const signingDate = parseAmzDate(dateText);
  if (!dateText!.startsWith(credential.shortDate))
    throw s3Error(malformed, 'the credential date is not the request date');
  if (presigned && !auth) {
    if (now.getTime() > signingDate.getTime() + expires * 1000) throw s3Error('AccessDenied', 'Request has expired');
    if (signingDate.getTime() - now.getTime() > S3_CLOCK_SKEW_MS) throw s3Error('RequestTimeTooSkewed');
  } else if (Math.abs(now.getTime() - signingDate.getTime()) > S3_CLOCK_SKEW_MS) throw s3Error('RequestTimeTooSkewed');

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerText(req.headers, name);
    if (value === undefined) throw s3Error('SignatureDoesNotMatch', `the signed header ${name} is missing`);
    headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: creds,
    region: credential.region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const base = {
    method: req.method,
    protocol: 'http:',
    hostname: headers.host ?? '',
    path: canonicalPath(req.rawPath),
    headers,
  };
  const signedSet = new Set(signedHeaders);
  let expected: string;
  let payloadHash: string;
  if (auth) {
    // Only a signed payload hash counts: one added in transit must not decide how the body is checked.
    payloadHash = headers['x-amz-content-sha256'] ?? '';
    if (payloadHash === '')
      throw s3Error('MissingSecurityHeader', 'x-amz-content-sha256 is required and must be signed');
    const signed = await signer.sign({ ...base, query }, { signingDate, signableHeaders: signedSet });
    expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  } else {
    payloadHash = UNSIGNED_PAYLOAD;
    const rest: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(query))
      if (!/^X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature)$/.test(k)) rest[k] = v;
    const keep = new Set([...signedSet, 'x-amz-content-sha256']);
    const signed = await signer.presign(
      { ...base, query: rest, headers: { ...headers, 'x-amz-content-sha256': UNSIGNED_PAYLOAD } },
      {
        signingDate,
        expiresIn: expires,
        signableHeaders: signedSet,
        unsignableHeaders: new Set(['x-amz-content-sha256']),
        unhoistableHeaders: keep,
      },
    );
    expected = String(signed.query?.['X-Amz-Signature'] ?? '');
  }
  if (!sameSignature(expected, given)) throw s3Error('SignatureDoesNotMatch');
  return {
    form: auth ? 'header' : 'presigned',
    payloadHash,
    signature: given,
    signingDate,
    scope: credential.scope,
    signString: (stringToSign) => signer.sign(stringToSign, { signingDate, signingRegion: credential.region }),
  };
}
