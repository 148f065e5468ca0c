// The one error class of PeerTree, with stable codes that shells map to HTTP statuses and close codes.

/** Every error code, with the HTTP status and WebSocket close code a shell uses for it. */
export const ERROR_TABLE = {
  BAD_INPUT: { http: 400, close: 4400, message: 'malformed or invalid input' },
  BAD_SIGNATURE: { http: 401, close: 4401, message: 'signature does not verify' },
  FORBIDDEN: { http: 403, close: 4403, message: 'not allowed' },
  NOT_FOUND: { http: 404, close: 4404, message: 'not found' },
  RELEASED: { http: 410, close: 4410, message: 'released by its owner: deleted, not to be kept' },
  TIMEOUT: { http: 504, close: 4408, message: 'timed out' },
  CONFLICT: { http: 409, close: 4409, message: 'conflicts with current state' },
  TOO_LARGE: { http: 413, close: 1009, message: 'too large' },
  RATE_LIMITED: { http: 429, close: 4429, message: 'too many requests' },
  FOREIGN_TREE: { http: 421, close: 4421, message: 'belongs to another tree' },
  STALE: { http: 400, close: 4425, message: 'timestamp outside the freshness window' },
  REPLAY: { http: 409, close: 4426, message: 'message id already seen' },
  HASH_MISMATCH: { http: 422, close: 4422, message: 'bytes do not match their hash' },
  FULL: { http: 507, close: 4507, message: 'storage or queue full' },
  UNAVAILABLE: { http: 503, close: 1013, message: 'not available now' },
  CLOSED: { http: 503, close: 1001, message: 'shut down' },
  INTERNAL: { http: 500, close: 1011, message: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface PeerTreeErrorOptions {
  readonly cause?: unknown;
  /** The peer answered with this error (a `peer.error` reply), as opposed to a local or connection failure. */
  readonly refused?: boolean;
}

export class PeerTreeError extends Error {
  readonly code: ErrorCode;
  override readonly name = 'PeerTreeError';
  /** True when the other side refused (its `peer.error` answer); false for a local or connection failure. */
  readonly refused: boolean;

  constructor(code: ErrorCode, message?: string, options?: PeerTreeErrorOptions) {
    super(message ?? ERROR_TABLE[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.refused = options?.refused === true;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }

  get closeCode(): number {
    return ERROR_TABLE[this.code].close;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/** Wraps anything thrown into a PeerTreeError (unknown errors become INTERNAL). */
export function toPeerTreeError(err: unknown): PeerTreeError {
  if (err instanceof PeerTreeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PeerTreeError('INTERNAL', message, { cause: err });
}

/** The error code whose WebSocket close code is `closeCode` (UNAVAILABLE for codes outside ERROR_TABLE). */
export function errorCodeForClose(closeCode: number): ErrorCode {
  for (const [code, entry] of Object.entries(ERROR_TABLE)) if (entry.close === closeCode) return code as ErrorCode;
  return 'UNAVAILABLE';
}
