// The tree's members as a client routes by them (the entry relay's public status), and a RoutedTransport over them.
import type { OwnerKey } from '../../core/protocol/shard-client.ts';
import { fetchJson, statusUrl } from '../http/status-client.ts';
import { connect } from '../ws/connector.ts';
import type { Link } from '../ws/link.ts';
import { RoutedTransport, type RouteMember } from './routed-transport.ts';

/**
 * The members the entry relay lists in its public status (GET /api/status?view=public: the same on the relay's
 * machine as from anywhere else, so the CLI routes alike everywhere), or none (nothing routed) when it does not answer or its
 * list is not the whole tree (status lists at most core/limits.ts MAX_STATUS_MEMBERS): a partial list would rank wrongly.
 */
export async function routeMembers(entryUrl: string): Promise<RouteMember[]> {
  try {
    const url = statusUrl(entryUrl);
    url.searchParams.set('view', 'public');
    const { status, body } = await fetchJson(url);
    const doc = body as { size?: unknown; members?: unknown };
    if (status !== 200 || !Array.isArray(doc.members) || doc.members.length !== doc.size) return [];
    return doc.members.flatMap((m: { id?: unknown; url?: unknown }) =>
      typeof m.id === 'string' && typeof m.url === 'string' ? [{ id: m.id, url: m.url }] : [],
    );
  } catch {
    return [];
  }
}

/**
 * A RoutedTransport for a client that entered the tree at `entryUrl` over `entry`: direct links are opened with
 * the connector under the same identity (the owner's when given, else a fresh one per link).
 */
export async function openRoutedTransport(entryUrl: string, entry: Link, owner?: OwnerKey): Promise<RoutedTransport> {
  const members = await routeMembers(entryUrl);
  return new RoutedTransport({
    entry,
    members,
    connect: (url, identity) => connect(url, identity ? { identity } : {}),
    ...(owner ? { owner } : {}),
  });
}
