// Challenge-response that binds a connection to the peer's key, so trust comes from signatures, not certificates.
//
//   server → client  peer.hello   { nonce: Ns, role: "relay" }                (signed by the server)
//   client → server  peer.auth    { nonce: Ns, challenge: Nc, role, url }      (signed by the client)
//   server → client  peer.welcome { challenge: Nc }                            (signed by the server)
//
// Each side signs the other's fresh nonce, so a recorded handshake cannot be replayed on another connection.
// After it, every frame on the connection must come from the key that answered.
import { toHex } from '../bytes.ts';
import { randomBytes } from '../crypto/webcrypto.ts';
import type { Message } from './verifier.ts';
import { MAX_URL_LENGTH } from '../limits.ts';

export const HELLO = 'peer.hello';
export const AUTH = 'peer.auth';
export const WELCOME = 'peer.welcome';
/** Handshake frames may carry an empty or foreign tree id: the peers learn each other's tree through them. */
export const HANDSHAKE_TYPES: ReadonlySet<string> = new Set([HELLO, AUTH, WELCOME]);

export const NONCE_BYTES = 32;
const NONCE_RE = /^[0-9a-f]{64}$/;

export type PeerRole = 'relay' | 'client';

export interface HelloBody {
  readonly nonce: string;
  readonly role: 'relay';
}

export interface AuthBody {
  readonly nonce: string;
  readonly challenge: string;
  readonly role: PeerRole;
  /** The answering relay's own public URL (null for browsers and CLI clients). */
  readonly url: string | null;
}

export interface WelcomeBody {
  readonly challenge: string;
}

export function newNonce(): string {
  return toHex(randomBytes(NONCE_BYTES));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The hello body if `message` is a well-formed hello; null otherwise. */
export function readHello(message: Message): HelloBody | null {
  if (message.type !== HELLO || !isObject(message.body)) return null;
  const { nonce, role } = message.body;
  if (typeof nonce !== 'string' || !NONCE_RE.test(nonce) || role !== 'relay') return null;
  return { nonce, role };
}

/** The auth body if `message` answers our hello nonce; null otherwise (wrong nonce, bad shape). */
export function readAuth(message: Message, expectedNonce: string): AuthBody | null {
  if (message.type !== AUTH || !isObject(message.body)) return null;
  const { nonce, challenge, role, url } = message.body;
  if (nonce !== expectedNonce) return null;
  if (typeof challenge !== 'string' || !NONCE_RE.test(challenge)) return null;
  if (role !== 'relay' && role !== 'client') return null;
  if (url !== null && (typeof url !== 'string' || url.length > MAX_URL_LENGTH || !/^(https?|wss?):\/\//.test(url)))
    return null;
  return { nonce, challenge, role, url: url };
}

/** True when `message` is the server's welcome answering our challenge (and, if given, from the expected node). */
export function isWelcome(message: Message, expectedChallenge: string, expectedNodeId?: string): boolean {
  if (message.type !== WELCOME || !isObject(message.body)) return false;
  if (message.body.challenge !== expectedChallenge) return false;
  return expectedNodeId === undefined || message.fromId === expectedNodeId;
}
