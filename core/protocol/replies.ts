// How a reply names its request (`body.re`) and how a refusal travels (`peer.error` { re, code, message }).
// Both shells (relay links, the PWA's socket) pair replies and read refusals with these, so they agree.
import { isErrorCode, PeerTreeError, type ErrorCode } from '../errors.ts';
import { objectBody } from './object-body.ts';
import { MAX_REFUSAL_MESSAGE } from '../limits.ts';

/** The reply type that carries a refusal: body { re, code, message }. */
export const ERROR_TYPE = 'peer.error';

const MESSAGE_ID = /^[0-9a-f]{32}$/;

/** The request id a body answers (`re`, 32 hex chars), or null when the body is not a reply. */
export function replyTo(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const re = (body as Record<string, unknown>).re;
  return typeof re === 'string' && MESSAGE_ID.test(re) ? re : null;
}

/** The body of a refusal of request `re` (without `re`, which the reply adds). */
export function refusalBody(error: PeerTreeError): { code: ErrorCode; message: string } {
  return { code: error.code, message: error.message.slice(0, MAX_REFUSAL_MESSAGE) };
}

/** The error a `peer.error` body carries, marked `refused`; an unknown code reads as INTERNAL. */
export function refusalFrom(body: unknown): PeerTreeError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code: ErrorCode = isErrorCode(b.code) ? b.code : 'INTERNAL';
  const message =
    typeof b.message === 'string' && b.message !== ''
      ? b.message.slice(0, MAX_REFUSAL_MESSAGE)
      : 'the relay refused the request';
  return new PeerTreeError(code, message, { refused: true });
}

/** The body of the answer to request `type` as an object, or a BAD_INPUT naming that answer (reply checks use it). */
export function replyBody(type: string, body: unknown): Record<string, unknown> {
  return objectBody(body, `the answer to ${type}`);
}

/** Throws BAD_INPUT unless the reply to `asked` has type `expected`. */
export function expectReply(asked: string, reply: { readonly type: string }, expected: string): void {
  if (reply.type !== expected)
    throw new PeerTreeError('BAD_INPUT', `unexpected answer ${reply.type.slice(0, 64)} to ${asked}`);
}
