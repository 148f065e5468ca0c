// The search application's browser side: queries, forgets, and checking every hit a relay returns.
// A relay cannot forge or alter a result: each memory is read, its signature verified and its id recomputed
// here, and whatever fails is dropped (and counted).
import { PeerTreeError } from '../../../core/errors.ts';
import type { Identity } from '../../../core/identity/identity.ts';
import { signForget } from '../../../core/search/forget.ts';
import { memoryId, readMemory, verifyMemory, type Memory } from '../../../core/search/memory.ts';
import type { RelaySocket } from '../relay-socket.ts';

/** What the relay accepts (node-relay/search/search-messages.ts). */
export const MAX_RESULTS = 50;
export const DEFAULT_RESULTS = 20;
/** The relay's budget is 5 s by default; the answer may cross the tree. */
export const SEARCH_TIMEOUT_MS = 35_000;
export const FORGET_TIMEOUT_MS = 30_000;
/** Longest query the relay reads (MAX_QUERY_LENGTH × 4). */
export const MAX_QUERY_CHARS = 2048;

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
  readonly asked: number;
}

/** Checks each raw hit; keeps those whose memory verifies and whose id is the memory's id. Never throws. */
export async function verifyHits(raw: unknown): Promise<{ hits: VerifiedHit[]; dropped: number }> {
  const list = Array.isArray(raw) ? raw.slice(0, MAX_RESULTS * 4) : [];
  const hits: VerifiedHit[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const item of list) {
    try {
      const h = item as { id?: unknown; score?: unknown; memory?: unknown };
      const memory = readMemory(h.memory);
      if (typeof h.id !== 'string' || !(await verifyMemory(memory)) || (await memoryId(memory)) !== h.id) throw new Error('does not verify');
      if (seen.has(h.id)) continue; // one entry per memory, whatever a relay sends
      seen.add(h.id);
      hits.push({ id: h.id, score: typeof h.score === 'number' && Number.isFinite(h.score) ? h.score : 0, memory });
    } catch {
      dropped++;
    }
  }
  return { hits, dropped };
}

/** `search.query {q, limit}` → verified hits, best first (the relay's order). */
export async function searchMemories(socket: RelaySocket, q: string, limit = DEFAULT_RESULTS): Promise<SearchAnswer> {
  if (q.length > MAX_QUERY_CHARS) throw new PeerTreeError('BAD_INPUT', `a search is at most ${MAX_QUERY_CHARS} characters`);
  const reply = await socket.request('search.query', { q, limit: Math.max(1, Math.min(MAX_RESULTS, limit)) }, { timeoutMs: SEARCH_TIMEOUT_MS });
  if (reply.type !== 'search.results') throw new PeerTreeError('BAD_INPUT', `unexpected reply ${reply.type} to search.query`);
  const body = (reply.body ?? {}) as { hits?: unknown; partial?: unknown; asked?: unknown };
  const { hits, dropped } = await verifyHits(body.hits);
  return { hits, dropped, partial: body.partial === true, asked: typeof body.asked === 'number' ? body.asked : 0 };
}

/** `memory.forget` with a statement signed now; only the memory's author can (the relay answers FORBIDDEN). */
export async function forgetMemory(socket: RelaySocket, identity: Identity, id: string): Promise<void> {
  const statement = await signForget(identity, id, Date.now());
  const reply = await socket.request('memory.forget', { ...statement }, { timeoutMs: FORGET_TIMEOUT_MS });
  if (reply.type !== 'memory.forgotten') throw new PeerTreeError('BAD_INPUT', `unexpected reply ${reply.type} to memory.forget`);
}

/** Tags typed as "a, b c" → ["a", "b c"]; empty parts dropped (core lowercases and checks them). */
export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
