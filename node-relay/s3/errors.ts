// S3 error codes with their HTTP statuses and S3's XML error body; carried as the one PeerTreeError class.
import { PeerTreeError, toPeerTreeError, type ErrorCode } from '../../core/errors.ts';

/** Every S3 error the gateway answers with: HTTP status, the PeerTree code it maps to, S3's own message. */
export const S3_ERRORS = {
  AccessDenied: [403, 'FORBIDDEN', 'Access Denied'],
  AuthorizationHeaderMalformed: [400, 'BAD_INPUT', 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'BAD_INPUT', 'The presigned URL query parameters are malformed.'],
  BadDigest: [400, 'HASH_MISMATCH', 'The Content-MD5 or checksum you specified did not match what we received.'],
  BucketAlreadyOwnedByYou: [
    409,
    'CONFLICT',
    'Your previous request to create the named bucket succeeded and you already own it.',
  ],
  BucketNotEmpty: [409, 'CONFLICT', 'The bucket you tried to delete is not empty.'],
  EntityTooLarge: [400, 'TOO_LARGE', 'Your proposed upload exceeds the maximum allowed size.'],
  EntityTooSmall: [400, 'BAD_INPUT', 'Your proposed upload is smaller than the minimum allowed object size.'],
  IncompleteBody: [
    400,
    'BAD_INPUT',
    'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  ],
  InternalError: [500, 'INTERNAL', 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'FORBIDDEN', 'The AWS access key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'BAD_INPUT', 'Invalid Argument'],
  InvalidBucketName: [400, 'BAD_INPUT', 'The specified bucket is not valid.'],
  InvalidDigest: [400, 'BAD_INPUT', 'The Content-MD5 you specified is not valid.'],
  InvalidURI: [400, 'BAD_INPUT', "Couldn't parse the specified URI."],
  InvalidPart: [400, 'BAD_INPUT', 'One or more of the specified parts could not be found.'],
  InvalidPartOrder: [400, 'BAD_INPUT', 'The list of parts was not in ascending order.'],
  InvalidRange: [416, 'BAD_INPUT', 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'BAD_INPUT', 'Invalid Request'],
  KeyTooLongError: [400, 'TOO_LARGE', 'Your key is too long.'],
  MalformedXML: [
    400,
    'BAD_INPUT',
    'The XML you provided was not well-formed or did not validate against our published schema.',
  ],
  MaxMessageLengthExceeded: [400, 'TOO_LARGE', 'Your request was too big.'],
  MetadataTooLarge: [400, 'TOO_LARGE', 'Your metadata headers exceed the maximum allowed metadata size.'],
  MethodNotAllowed: [405, 'BAD_INPUT', 'The specified method is not allowed against this resource.'],
  MissingContentLength: [411, 'BAD_INPUT', 'You must provide the Content-Length HTTP header.'],
  MissingSecurityHeader: [400, 'BAD_INPUT', 'Your request is missing a required header.'],
  NoSuchBucket: [404, 'NOT_FOUND', 'The specified bucket does not exist'],
  NoSuchKey: [404, 'NOT_FOUND', 'The specified key does not exist.'],
  NoSuchUpload: [404, 'NOT_FOUND', 'The specified multipart upload does not exist.'],
  NotImplemented: [
    501,
    'BAD_INPUT',
    'A header or operation you provided implies functionality that is not implemented.',
  ],
  NotModified: [304, 'CONFLICT', 'Not Modified'],
  OperationAborted: [
    409,
    'RELEASED',
    'The object was deleted while it was being written, so it was not kept. Write it again to keep it.',
  ],
  PreconditionFailed: [412, 'CONFLICT', 'At least one of the preconditions you specified did not hold.'],
  RequestTimeTooSkewed: [403, 'STALE', 'The difference between the request time and the current time is too large.'],
  ServiceUnavailable: [503, 'UNAVAILABLE', 'The storage network is not reachable now. Please try again.'],
  SignatureDoesNotMatch: [
    403,
    'BAD_SIGNATURE',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  XAmzContentSHA256Mismatch: [
    400,
    'HASH_MISMATCH',
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  ],
} as const satisfies Record<string, readonly [number, ErrorCode, string]>;

export type S3ErrorCode = keyof typeof S3_ERRORS;

interface S3Cause {
  readonly s3: S3ErrorCode;
}

/** A PeerTreeError carrying an S3 code (its cause): thrown anywhere in the gateway, answered by the server. */
export function s3Error(code: S3ErrorCode, message?: string): PeerTreeError {
  const [, peerCode, text] = S3_ERRORS[code];
  return new PeerTreeError(peerCode, message ?? text, { cause: { s3: code } satisfies S3Cause });
}

/** The S3 code and message for anything thrown: S3 errors keep theirs; network failures become 503, the rest 500. */
export function s3CodeOf(err: unknown): { code: S3ErrorCode; status: number; message: string } {
  const e = toPeerTreeError(err);
  const cause = e.cause as Partial<S3Cause> | undefined;
  if (cause && typeof cause === 'object' && typeof cause.s3 === 'string' && Object.hasOwn(S3_ERRORS, cause.s3)) {
    return { code: cause.s3, status: S3_ERRORS[cause.s3][0], message: e.message };
  }
  const fromPeer: Partial<Record<ErrorCode, S3ErrorCode>> = {
    UNAVAILABLE: 'ServiceUnavailable',
    CLOSED: 'ServiceUnavailable',
    TIMEOUT: 'ServiceUnavailable',
    FULL: 'ServiceUnavailable',
    NOT_FOUND: 'ServiceUnavailable',
    // A write that raced a delete of the same content: its owner's release won, nothing of the write was kept.
    RELEASED: 'OperationAborted',
  };
  const code = fromPeer[e.code] ?? 'InternalError';
  return { code, status: S3_ERRORS[code][0], message: `${S3_ERRORS[code][2]} (${e.code}: ${e.message})` };
}
