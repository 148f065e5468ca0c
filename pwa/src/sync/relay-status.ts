// GET /api/status from a relay, with a time limit, and a check that turns the untrusted JSON into a typed value.
import {
  DEFAULT_REPLICAS,
  MAX_REPLICAS,
  PWA_MAX_STATUS_BYTES,
  PWA_STATUS_MAX_CHILDREN,
  PWA_STATUS_MAX_MEMBERS,
  PWA_STATUS_TIMEOUT_MS,
} from '../../../core/limits.ts';

export interface RelayStatus {
  readonly id: string;
  readonly treeId: string;
  readonly position: number;
  readonly epoch: number;
  readonly parent: string | null;
  readonly children: readonly string[];
  readonly size: number;
  readonly depth: number;
  readonly shards: number;
  readonly bytes: number;
  readonly outbox: number;
  /** Optional fields (present on current relays; ignored when missing or mistyped). */
  readonly replicas: number | null;
  readonly maxPeers: number | null;
  readonly url: string | null;
  /** The ordered membership, when the relay reports it. */
  readonly members: readonly RelayMember[] | null;
}

export interface RelayMember {
  readonly position: number;
  readonly id: string;
  readonly url: string;
}

function parseMembers(value: unknown): RelayMember[] | null {
  if (!Array.isArray(value) || value.length > PWA_STATUS_MAX_MEMBERS) return null;
  const out: RelayMember[] = [];
  for (const m of value) {
    if (typeof m !== 'object' || m === null) return null;
    const { position, id, url } = m as Record<string, unknown>;
    if (!isCount(position) || !isShortString(id) || typeof url !== 'string' || url.length > 512) return null;
    out.push({ position, id, url });
  }
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

/** The typed status if `value` has every field DESIGN.md promises; null otherwise. Extra fields are ignored. */
export function parseRelayStatus(value: unknown): RelayStatus | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const { id, treeId, position, epoch, parent, children, size, depth, shards, bytes, outbox } = v;
  if (!isShortString(id) || typeof treeId !== 'string' || treeId.length > 256) return null;
  if (!isCount(position) || !isCount(epoch) || !isCount(size) || !isCount(depth)) return null;
  if (!isCount(shards) || !isCount(bytes) || !isCount(outbox)) return null;
  if (parent !== null && !isShortString(parent)) return null;
  if (!Array.isArray(children) || children.length > PWA_STATUS_MAX_CHILDREN || !children.every(isShortString))
    return null;
  const replicas = isCount(v.replicas) && v.replicas > 0 ? v.replicas : null;
  const maxPeers = isCount(v.maxPeers) && v.maxPeers > 0 ? v.maxPeers : null;
  const url = typeof v.url === 'string' && v.url.length <= 512 ? v.url : null;
  const members = parseMembers(v.members);
  return {
    id,
    treeId,
    position,
    epoch,
    parent,
    children: [...children],
    size,
    depth,
    shards,
    bytes,
    outbox,
    replicas,
    maxPeers,
    url,
    members,
  };
}

/**
 * The copies to ask for when storing: the relay's configured count (the default when it says none), even on a
 * smaller tree; relays store one copy per relay and keep the target, adding copies as relays join.
 */
export function replicaTarget(status: Pick<RelayStatus, 'replicas'>): number {
  return Math.max(1, Math.min(status.replicas ?? DEFAULT_REPLICAS, MAX_REPLICAS));
}

export class RelayStatusError extends Error {
  override readonly name = 'RelayStatusError';
}

/**
 * Fetches and checks a relay's status. Throws RelayStatusError (HTTP error, wrong type, malformed JSON) or the
 * fetch's own error (network down, time-out). Never served from a cache.
 */
export async function fetchRelayStatus(baseUrl: string | URL, signal?: AbortSignal): Promise<RelayStatus> {
  // The public view, also from the relay's own machine: the app sees what it sees on any deployment.
  const url = new URL('/api/status?view=public', baseUrl);
  const timeout = AbortSignal.timeout(PWA_STATUS_TIMEOUT_MS);
  const response = await fetch(url, {
    cache: 'no-store',
    credentials: 'omit',
    headers: { accept: 'application/json' },
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  if (!response.ok) throw new RelayStatusError(`relay status: HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new RelayStatusError(`relay status: unexpected content type "${type}"`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > PWA_MAX_STATUS_BYTES) throw new RelayStatusError('relay status: response too large');
  const text = await response.text();
  if (text.length > PWA_MAX_STATUS_BYTES) throw new RelayStatusError('relay status: response too large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RelayStatusError('relay status: not JSON');
  }
  const status = parseRelayStatus(json);
  if (!status) throw new RelayStatusError('relay status: missing or mistyped fields');
  return status;
}
