// Simulates searches on a tree of many relays in one process: real memory indexes (SQLite FTS5 in memory),
// the relay's own descent rule (planDescent) and merge (mergeHits), with and without subtree summaries.
// Counts messages (one request and one reply per edge descended) and compares the results with flooding.
import Database from 'better-sqlite3';
import { WordBloom } from '../../core/search/bloom.ts';
import { planDescent } from '../../core/search/descent.ts';
import { memoryId, signMemory } from '../../core/search/memory.ts';
import { mergeHits, type SearchHit } from '../../core/search/merge.ts';
import { parseQuery } from '../../core/search/query.ts';
import { childrenOf } from '../../core/tree/positions.ts';
import { generateIdentity } from '../../core/identity/identity.ts';
import { MemoryIndex } from '../../node-relay/search/memory-index.ts';
import { Prng } from './prng.ts';

export interface SearchSimOptions {
  readonly relays: number;
  readonly k: number;
  readonly memories: number;
  readonly replicas: number;
  readonly seed: number;
}

export interface SearchSimResult {
  readonly query: string;
  readonly floodMessages: number;
  readonly summaryMessages: number;
  readonly sameResults: boolean;
  readonly hits: number;
}

const WORDS = [
  'river',
  'harbour',
  'garden',
  'violin',
  'lantern',
  'meadow',
  'castle',
  'bicycle',
  'orchard',
  'glacier',
  'market',
  'island',
  'festival',
  'library',
  'canyon',
  'piano',
];

export async function runSearchSim(o: SearchSimOptions, queries: readonly string[]): Promise<SearchSimResult[]> {
  const prng = new Prng(o.seed);
  const rand = () => prng.next();
  const author = (await generateIdentity()).identity;
  const indexes = Array.from({ length: o.relays }, () => new MemoryIndex(new Database(':memory:')));
  for (let i = 0; i < o.memories; i++) {
    const words = [0, 1, 2].map(() => WORDS[Math.floor(rand() * WORDS.length)]!);
    const memory = await signMemory(
      author,
      { text: `${words.join(' ')} token${i}`, tags: [], ref: null },
      1_700_000_000_000 + i,
    );
    const id = await memoryId(memory);
    const holders = new Set<number>();
    while (holders.size < Math.min(o.replicas, o.relays)) holders.add(Math.floor(rand() * o.relays));
    for (const h of holders) indexes[h]!.add(id, memory);
  }
  // Subtree summaries, bottom-up: the same union each relay sends its parent.
  const subtree: WordBloom[] = new Array(o.relays);
  for (let p = o.relays - 1; p >= 0; p--) {
    const s = new WordBloom(indexes[p]!.words.bits);
    for (const c of childrenOf(p, o.k, o.relays)) s.merge(subtree[c]!);
    subtree[p] = s;
  }
  const summariesOf = (p: number) => new Map(childrenOf(p, o.k, o.relays).map((c) => [String(c), subtree[c]!]));

  function descend(p: number, q: string, useSummaries: boolean, count: { messages: number }): SearchHit[] {
    const terms = parseQuery(q);
    const children = childrenOf(p, o.k, o.relays).map(String);
    const plan = useSummaries ? planDescent(children, summariesOf(p), terms) : { ask: children, pruned: [] };
    const lists = [indexes[p]!.search(terms, 10)];
    for (const c of plan.ask) {
      count.messages += 2; // the request down and the answer up
      lists.push(descend(Number(c), q, useSummaries, count));
    }
    return mergeHits(lists, 10);
  }

  return queries.map((query) => {
    const flood = { messages: 0 };
    const pruned = { messages: 0 };
    const a = descend(0, query, false, flood);
    const b = descend(0, query, true, pruned);
    return {
      query,
      floodMessages: flood.messages,
      summaryMessages: pruned.messages,
      sameResults: JSON.stringify(a.map((h) => h.id)) === JSON.stringify(b.map((h) => h.id)),
      hits: a.length,
    };
  });
}
