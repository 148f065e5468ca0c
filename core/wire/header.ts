// The JSON header of a frame: its fields, and the check that turns untrusted JSON into a typed header.
import { MAX_TYPE_LENGTH, MESSAGE_ID_BYTES } from '../limits.ts';
import { isNodeId } from '../identity/node-id.ts';

export const WIRE_VERSION = 1;

export interface FrameHeader {
  /** Wire version, always 1 here. */
  readonly v: 1;
  /** Message type, e.g. "tree.join" or "shard.put"; lowercase letters, digits, dots and dashes. */
  readonly type: string;
  /** Tree id (32 lowercase hex chars), or "" during join negotiation before the tree is known. */
  readonly tree: string;
  /** Sender's raw Ed25519 public key, 64 lowercase hex chars. */
  readonly from: string;
  /** Recipient node id, or null for a broadcast / the directly connected peer. */
  readonly to: string | null;
  /** Unique message id, 32 lowercase hex chars (16 random bytes). */
  readonly id: string;
  /** Sender's clock in milliseconds since the Unix epoch. */
  readonly ts: number;
  /** Message body: any JSON value; applications validate it. */
  readonly body: unknown;
}

export const HEADER_FIELDS = ['v', 'type', 'tree', 'from', 'to', 'id', 'ts', 'body'] as const;

export const TYPE_RE = /^[a-z][a-z0-9.-]*$/;
export const TREE_ID_RE = /^(?:[0-9a-f]{32})?$/;
export const PUBLIC_KEY_HEX_RE = /^[0-9a-f]{64}$/;
const MESSAGE_ID_RE = new RegExp(`^[0-9a-f]{${MESSAGE_ID_BYTES * 2}}$`);

/** Returns the first problem with a parsed header, or null when every field is present and well-typed. */
export function headerProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'header is not an object';
  const h = value as Record<string, unknown>;
  for (const key of Object.keys(h))
    if (!(HEADER_FIELDS as readonly string[]).includes(key)) return `unknown field ${key}`;
  if (h.v !== WIRE_VERSION) return 'v';
  if (typeof h.type !== 'string' || h.type.length > MAX_TYPE_LENGTH || !TYPE_RE.test(h.type)) return 'type';
  if (typeof h.tree !== 'string' || !TREE_ID_RE.test(h.tree)) return 'tree';
  if (typeof h.from !== 'string' || !PUBLIC_KEY_HEX_RE.test(h.from)) return 'from';
  if (h.to !== null && !isNodeId(h.to)) return 'to';
  if (typeof h.id !== 'string' || !MESSAGE_ID_RE.test(h.id)) return 'id';
  if (typeof h.ts !== 'number' || !Number.isSafeInteger(h.ts) || h.ts < 0) return 'ts';
  if (!('body' in h)) return 'body';
  return null;
}
