// Builds and signs frames: the only way a message leaves a PeerTree participant.
import { assertInteger, assertString, fail } from '../asserts.ts';
import { toHex, utf8 } from '../bytes.ts';
import { sha256 } from '../crypto/sha256.ts';
import { randomBytes } from '../crypto/webcrypto.ts';
import type { Identity } from '../identity/identity.ts';
import { isNodeId } from '../identity/node-id.ts';
import { LIMITS, MESSAGE_ID_BYTES, type Limits } from '../limits.ts';
import { assembleFrame, EMPTY_PAYLOAD_DIGEST, signedBytes } from './frame-layout.ts';
import { TREE_ID_RE, TYPE_RE, WIRE_VERSION, type FrameHeader } from './header.ts';
import { PeerTreeError } from '../errors.ts';

export interface OutgoingMessage {
  readonly type: string;
  /** Tree id, or "" before the tree is known (join negotiation). */
  readonly tree: string;
  /** Recipient node id, or null (broadcast or the directly connected peer). */
  readonly to: string | null;
  readonly body: unknown;
  /** Sender clock, ms since the Unix epoch; passed in so that callers control time. */
  readonly ts: number;
  readonly payload?: Uint8Array;
  /**
   * SHA-256 of `payload` when the caller already has it (a shard's name, or a digest the frame verifier
   * computed), so that it is not hashed again. It must be exact: receivers hash the payload themselves and
   * drop a frame whose signed digest does not match as `bad-signature`.
   */
  readonly payloadDigest?: Uint8Array;
  /** Message id (32 hex chars); a random one is made when absent. */
  readonly id?: string;
}

const EMPTY = new Uint8Array(0);

export function newMessageId(): string {
  return toHex(randomBytes(MESSAGE_ID_BYTES));
}

/** Serializes, hashes and signs a message into one frame. Misuse (bad fields, too large) throws. */
export async function encodeFrame(
  message: OutgoingMessage,
  identity: Identity,
  limits: Limits = LIMITS,
): Promise<Uint8Array> {
  assertString(message.type, 'type');
  if (!TYPE_RE.test(message.type)) fail('type must match ' + TYPE_RE.source);
  assertString(message.tree, 'tree');
  if (!TREE_ID_RE.test(message.tree)) fail('tree must be 32 hex chars or empty');
  if (message.to !== null && !isNodeId(message.to)) fail('to must be a node id or null');
  assertInteger(message.ts, 'ts');
  const id = message.id ?? newMessageId();
  const header: FrameHeader = {
    v: WIRE_VERSION,
    type: message.type,
    tree: message.tree,
    from: toHex(identity.publicKey),
    to: message.to,
    id,
    ts: message.ts,
    body: message.body === undefined ? null : message.body,
  };
  const headerBytes = utf8(JSON.stringify(header));
  const payload = message.payload ?? EMPTY;
  if (headerBytes.length > limits.maxHeaderBytes)
    throw new PeerTreeError('TOO_LARGE', `header is ${headerBytes.length} bytes`);
  if (payload.length > limits.maxPayloadBytes)
    throw new PeerTreeError('TOO_LARGE', `payload is ${payload.length} bytes`);
  const digest =
    payload.length === 0
      ? EMPTY_PAYLOAD_DIGEST
      : message.payloadDigest && message.payloadDigest.length === 32
        ? message.payloadDigest
        : await sha256(payload);
  const signature = await identity.sign(signedBytes(headerBytes, digest));
  return assembleFrame(headerBytes, payload, signature);
}
