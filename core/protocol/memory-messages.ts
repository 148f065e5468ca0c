// Message types of the search application and checks of their untrusted bodies.
import { objectBody } from './object-body.ts';
import { PeerTreeError } from '../errors.ts';
import {
  MAX_QUERY_CHARS,
  MAX_REPLICAS,
  MAX_SEARCH_RESULTS,
  SEARCH_DEFAULT_BUDGET_MS,
  SEARCH_MAX_BUDGET_MS,
} from '../limits.ts';
import { readMemory, type Memory } from '../search/memory.ts';
import { isNodeId } from '../identity/node-id.ts';
import type { Message } from '../wire/index.ts';

/** client → relay: store this signed memory on `replicas` relays → STORED { id, holders }. */
export const REMEMBER = 'memory.remember';
export const STORED = 'memory.stored';
/** relay → holder: index this memory; `holders` is its holder set → OK. */
export const PUT = 'memory.put';
export const OK = 'memory.ok';
/** anyone → relay: signed forget; the relay broadcasts it through the tree. */
export const FORGET = 'memory.forget';
export const FORGOTTEN = 'memory.forgotten';
/** broadcast: every relay removes the memory if the author's signature holds. */
export const FORGET_ALL = 'memory.forget-all';
/** client → relay: search the whole tree → RESULTS. */
export const QUERY = 'search.query';
/** parent → child: search your subtree before `deadline` → RESULTS. */
export const SUBTREE = 'search.subtree';
export const RESULTS = 'search.results';
/** child → parent: the word summary of the child's subtree. */
export const SUMMARY = 'search.summary';
/** relay → relay: the memory with this id, from the receiver's own index → MEMORY { memory }. */
export const GET = 'memory.get';
export const MEMORY = 'memory.data';

export const DEFAULT_RESULTS = 10;

export function readRemember(m: Message): { memory: Memory; replicas: number } {
  const b = objectBody(m.body, m.type);
  const replicas = b.replicas;
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    throw new PeerTreeError('BAD_INPUT', `${REMEMBER}: replicas must be 1–${MAX_REPLICAS}`);
  return { memory: readMemory(b.memory), replicas };
}

export function readPut(m: Message): { memory: Memory; holders: string[] } {
  const b = objectBody(m.body, m.type);
  if (!Array.isArray(b.holders) || b.holders.length > 64 || !b.holders.every(isNodeId))
    throw new PeerTreeError('BAD_INPUT', `${PUT}: holders`);
  return { memory: readMemory(b.memory), holders: [...new Set(b.holders as string[])] };
}

export function readQuery(m: Message): { q: string; limit: number; budgetMs: number } {
  const b = objectBody(m.body, m.type);
  if (typeof b.q !== 'string' || b.q.length > MAX_QUERY_CHARS)
    throw new PeerTreeError('BAD_INPUT', `${m.type}: q must be a string of at most ${MAX_QUERY_CHARS} chars`);
  const limit = b.limit === undefined ? DEFAULT_RESULTS : b.limit;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SEARCH_RESULTS)
    throw new PeerTreeError('BAD_INPUT', `${m.type}: limit must be 1–${MAX_SEARCH_RESULTS}`);
  const budgetMs = b.budgetMs === undefined ? SEARCH_DEFAULT_BUDGET_MS : b.budgetMs;
  if (
    typeof budgetMs !== 'number' ||
    !Number.isSafeInteger(budgetMs) ||
    budgetMs < 0 ||
    budgetMs > SEARCH_MAX_BUDGET_MS
  ) {
    throw new PeerTreeError('BAD_INPUT', `${m.type}: budgetMs must be 0–${SEARCH_MAX_BUDGET_MS}`);
  }
  return { q: b.q, limit, budgetMs };
}

export interface ForgetRequest {
  readonly id: string;
  readonly author: string;
  readonly ts: number;
  readonly sig: string;
}

export function readId(m: Message): string {
  const id = objectBody(m.body, m.type).id;
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id))
    throw new PeerTreeError('BAD_INPUT', `${m.type}: id must be 64 hex chars`);
  return id;
}

export function readForget(value: unknown): ForgetRequest {
  const b = value as Record<string, unknown> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    typeof b.id !== 'string' ||
    !/^[0-9a-f]{64}$/.test(b.id) ||
    typeof b.author !== 'string' ||
    !/^[0-9a-f]{64}$/.test(b.author) ||
    typeof b.ts !== 'number' ||
    !Number.isSafeInteger(b.ts) ||
    typeof b.sig !== 'string' ||
    !/^[0-9a-f]{128}$/.test(b.sig)
  ) {
    throw new PeerTreeError('BAD_INPUT', 'forget: expected { id, author, ts, sig }');
  }
  return { id: b.id, author: b.author, ts: b.ts, sig: b.sig };
}
