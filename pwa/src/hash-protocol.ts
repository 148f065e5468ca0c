// Messages between the page and the hashing worker (shared types and a guard for the worker's replies).

export interface HashRequest {
  readonly type: 'hash';
  readonly job: number;
  readonly file: Blob;
  readonly sliceBytes: number;
}

export type HashReply =
  | { readonly type: 'progress'; readonly job: number; readonly bytesDone: number }
  | {
      readonly type: 'done';
      readonly job: number;
      /** SHA-256 of the whole file, lowercase hex. */
      readonly sha256: string;
      /** SHA-256 of each slice (the shard hashes of an unencrypted file), lowercase hex, in order. */
      readonly sliceHashes: readonly string[];
    }
  | { readonly type: 'error'; readonly job: number; readonly message: string };

const HEX64 = /^[0-9a-f]{64}$/;

export function isHashReply(value: unknown): value is HashReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.job !== 'number') return false;
  switch (v.type) {
    case 'progress':
      return typeof v.bytesDone === 'number';
    case 'done':
      return typeof v.sha256 === 'string' && HEX64.test(v.sha256) && Array.isArray(v.sliceHashes) && v.sliceHashes.every((h) => typeof h === 'string' && HEX64.test(h));
    case 'error':
      return typeof v.message === 'string';
    default:
      return false;
  }
}
