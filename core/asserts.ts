// Small named asserts for values at public boundaries; each throws PeerTreeError('BAD_INPUT').
import { PeerTreeError } from './errors.ts';

export function fail(what: string): never {
  throw new PeerTreeError('BAD_INPUT', what);
}

export function assertBytes(value: unknown, what: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${what} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) fail(`${what} must be ${length} bytes, got ${value.length}`);
}

export function assertString(value: unknown, what: string, maxLength = Infinity): asserts value is string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  if (value.length > maxLength) fail(`${what} is longer than ${maxLength}`);
}

export function assertInteger(
  value: unknown,
  what: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${what} must be an integer in [${min}, ${max}]`);
  }
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export function assertHex(value: unknown, what: string, byteLength?: number): asserts value is string {
  assertString(value, what);
  if (!HEX_RE.test(value)) fail(`${what} must be lowercase hex`);
  if (byteLength !== undefined && value.length !== byteLength * 2) fail(`${what} must be ${byteLength} bytes of hex`);
}

export function assertPlainObject(value: unknown, what: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
}
