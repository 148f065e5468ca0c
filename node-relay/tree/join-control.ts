// Who may join the tree. Open by default (loopback development, `npm start`). A closed tree lists relay
// ids (--allow) and/or trusts join tokens signed by the operator's Ed25519 key (--operator-key): a token
// names one relay id, optionally one tree id and an expiry. The joining relay presents its token
// (--join-token FILE) in a `tree.admit` frame before any `tree.join` on a link; members refuse joins
// from relays that were not admitted with FORBIDDEN (close code 4403).
import { fromHex, toHex, utf8 } from '../../core/bytes.ts';
import { PeerTreeError } from '../../core/errors.ts';
import { verifySignature, type Identity } from '../../core/identity/index.ts';
import { isNodeId } from '../../core/identity/node-id.ts';
import { MAX_ADMITTED } from '../../core/limits.ts';

export const ADMIT = 'tree.admit';
export const ADMITTED = 'tree.admitted';
/** The admission exchange is tree-exempt on the wire: the joiner learns the tree id only from it and the hello. */
export const JOIN_HANDSHAKE_TYPES: ReadonlySet<string> = new Set([ADMIT, ADMITTED]);
const TOKEN_TAG = 'peertree/join-token/v1\u0000';

export interface JoinToken {
  readonly v: 1;
  /** Node id of the relay the token admits. */
  readonly id: string;
  /** Tree id the token is for, or "" for any tree of this operator. */
  readonly tree: string;
  /** Expiry (ms since the Unix epoch), or 0 for none. */
  readonly exp: number;
  /** Ed25519 signature by the operator key, hex. */
  readonly sig: string;
}

export interface JoinPolicy {
  readonly allow: ReadonlySet<string>;
  /** Raw Ed25519 public key of the tree operator, or null when tokens are not accepted. */
  readonly operatorKey: Uint8Array | null;
}

export const OPEN_POLICY: JoinPolicy = { allow: new Set(), operatorKey: null };

export function isOpen(policy: JoinPolicy): boolean {
  return policy.allow.size === 0 && policy.operatorKey === null;
}

/** The bytes an operator signs for a join token. */
export function tokenSignedText(t: Omit<JoinToken, 'sig'>): Uint8Array {
  return utf8(TOKEN_TAG + JSON.stringify([t.v, t.id, t.tree, t.exp]));
}

/** Signs a join token for relay `id` with the operator identity. */
export async function makeJoinToken(
  operator: Identity,
  id: string,
  options: { tree?: string; exp?: number } = {},
): Promise<JoinToken> {
  if (!isNodeId(id)) throw new PeerTreeError('BAD_INPUT', `not a node id: ${id}`);
  const body = { v: 1 as const, id, tree: options.tree ?? '', exp: options.exp ?? 0 };
  return { ...body, sig: toHex(await operator.sign(tokenSignedText(body))) };
}

/** Parses a token file's text; throws BAD_INPUT with a clear message. */
export function parseJoinToken(text: string): JoinToken {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PeerTreeError('BAD_INPUT', 'join token is not JSON');
  }
  const t = value as Record<string, unknown>;
  if (
    typeof t !== 'object' ||
    t === null ||
    t.v !== 1 ||
    !isNodeId(t.id) ||
    typeof t.tree !== 'string' ||
    !/^(?:[0-9a-f]{32})?$/.test(t.tree)
  ) {
    throw new PeerTreeError('BAD_INPUT', 'join token must be {"v":1,"id","tree","exp","sig"}');
  }
  if (
    !Number.isSafeInteger(t.exp) ||
    (t.exp as number) < 0 ||
    typeof t.sig !== 'string' ||
    !/^[0-9a-f]{128}$/.test(t.sig)
  ) {
    throw new PeerTreeError('BAD_INPUT', 'join token has a bad expiry or signature field');
  }
  return { v: 1, id: t.id, tree: t.tree, exp: t.exp as number, sig: t.sig };
}

/** Null when relay `id` may join tree `treeId` under `policy` with `token`; else the reason it may not. */
export async function admissionProblem(
  policy: JoinPolicy,
  id: string,
  token: unknown,
  treeId: string,
  now: number,
): Promise<string | null> {
  if (isOpen(policy) || policy.allow.has(id)) return null;
  if (policy.operatorKey === null) return `relay ${id} is not on this tree's allowlist`;
  if (token === null || token === undefined) return `relay ${id} presented no join token, and this tree requires one`;
  let t: JoinToken;
  try {
    t = parseJoinToken(JSON.stringify(token));
  } catch (err) {
    return (err as Error).message;
  }
  if (t.id !== id) return `join token is for relay ${t.id}, not ${id}`;
  if (t.tree !== '' && t.tree !== treeId) return 'join token is for another tree';
  if (t.exp !== 0 && t.exp < now) return 'join token has expired';
  const ok = await verifySignature(policy.operatorKey, tokenSignedText(t), fromHex(t.sig)).catch(() => false);
  return ok ? null : 'join token is not signed by this tree operator';
}

/** Relays admitted on this relay (bounded, in insertion order). */
export class AdmittedSet {
  private readonly ids = new Set<string>();

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > MAX_ADMITTED) this.ids.delete(this.ids.values().next().value!);
  }
}
