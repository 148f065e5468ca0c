// The one check every body reader starts with: an untrusted body must be a plain object.
import { PeerTreeError } from '../errors.ts';

/** `value` as a record, or BAD_INPUT "`what`: body must be an object" (arrays and null are not). */
export function objectBody(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PeerTreeError('BAD_INPUT', `${what}: body must be an object`);
  return value as Record<string, unknown>;
}
