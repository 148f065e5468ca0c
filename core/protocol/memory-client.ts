// The client side of the search application, for the CLI and the PWA alike: remember a signed memory, search
// the tree, forget one's own memory. A relay cannot forge or alter a result: each hit's memory is read, its
// signature verified and its id recomputed here, and whatever fails is dropped (and counted).
import { PeerTreeError } from '../errors.ts';
import { isNodeId } from '../identity/node-id.ts';
import {
  CLIENT_REQUEST_TIMEOUT_MS,
  CLIENT_SEARCH_TIMEOUT_MS,
  MAX_QUERY_CHARS,
  MAX_REPLICAS,
  MAX_SEARCH_RESULTS,
} from '../limits.ts';
import { signForget } from '../search/forget.ts';
import { memoryId, readMemory, signMemory, verifyMemory, type Memory, type MemoryContent } from '../search/memory.ts';
import { FORGET, FORGOTTEN, QUERY, REMEMBER, RESULTS, STORED } from './memory-messages.ts';
import { expectReply, replyBody } from './replies.ts';
import type { Requester } from './requester.ts';
import type { OwnerKey } from './shard-client.ts';

export interface VerifiedHit {
  readonly id: string;
  readonly score: number;
  readonly memory: Memory;
}

export interface SearchAnswer {
  readonly hits: readonly VerifiedHit[];
  /** Some relays did not answer in time: there may be more. */
  readonly partial: boolean;
  /** Hits that did not verify (bad shape, bad signature, or an id that is not the memory's). */
  readonly dropped: number;
  /** Relays the search reached, as the entry relay counts them. */
  readonly asked: number;
}

/** Checks each raw hit; keeps those whose memory verifies and whose id is the memory's id, once each. Never throws. */
export async function verifyHits(raw: unknown): Promise<{ hits: VerifiedHit[]; dropped: number }> {
  const list = Array.isArray(raw) ? raw.slice(0, MAX_SEARCH_RESULTS * 4) : [];
  const hits: VerifiedHit[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const item of list) {
    try {
      const h = item as { id?: unknown; score?: unknown; memory?: unknown };
      const memory = readMemory(h.memory);
      if (typeof h.id !== 'string' || !(await verifyMemory(memory)) || (await memoryId(memory)) !== h.id)
        throw new Error('does not verify');
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      hits.push({ id: h.id, score: typeof h.score === 'number' && Number.isFinite(h.score) ? h.score : 0, memory });
    } catch {
      dropped++;
    }
  }
  return { hits, dropped };
}

/** Signs `content` now and stores it on `replicas` relays; checks that the answer names this memory's id. */
export async function rememberMemory(
  requester: Requester,
  owner: OwnerKey,
  content: MemoryContent,
  replicas: number,
): Promise<{ id: string; holders: string[] }> {
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    throw new PeerTreeError('BAD_INPUT', `replicas must be 1–${MAX_REPLICAS}`);
  const memory = await signMemory(owner.identity, content, owner.now());
  const reply = await requester.request(REMEMBER, { memory, replicas }, CLIENT_REQUEST_TIMEOUT_MS);
  expectReply(REMEMBER, reply, STORED);
  const body = replyBody(REMEMBER, reply.body);
  const id = await memoryId(memory);
  if (body.id !== id) throw new PeerTreeError('BAD_INPUT', `the answer to ${REMEMBER} names another memory`);
  const raw = Array.isArray(body.holders) ? body.holders : [];
  const holders = [...new Set(raw.filter(isNodeId))];
  if (holders.length < 1) throw new PeerTreeError('UNAVAILABLE', 'the relay stored the memory on no relay');
  return { id, holders };
}

/** Searches the whole tree for `q`; the verified hits, best first (the relay's order). */
export async function searchMemories(requester: Requester, q: string, limit: number): Promise<SearchAnswer> {
  if (q.length > MAX_QUERY_CHARS)
    throw new PeerTreeError('BAD_INPUT', `a search is at most ${MAX_QUERY_CHARS} characters`);
  const reply = await requester.request(
    QUERY,
    { q, limit: Math.max(1, Math.min(MAX_SEARCH_RESULTS, Math.floor(limit))) },
    CLIENT_SEARCH_TIMEOUT_MS,
  );
  expectReply(QUERY, reply, RESULTS);
  const body = replyBody(QUERY, reply.body);
  const { hits, dropped } = await verifyHits(body.hits);
  return {
    hits,
    dropped,
    partial: body.partial === true,
    asked: typeof body.asked === 'number' && Number.isSafeInteger(body.asked) ? body.asked : 0,
  };
}

/** Forgets memory `id` everywhere with a statement signed now; only its author can (others get FORBIDDEN). */
export async function forgetMemory(requester: Requester, owner: OwnerKey, id: string): Promise<void> {
  const statement = await signForget(owner.identity, id, owner.now());
  const reply = await requester.request(FORGET, { ...statement }, CLIENT_REQUEST_TIMEOUT_MS);
  expectReply(FORGET, reply, FORGOTTEN);
}
