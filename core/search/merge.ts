// Merging search results on the way up the tree: de-duplicate by memory id, keep the best, pass on the top k.

export interface SearchHit {
  /** Memory id (SHA-256 of its signed bytes). */
  readonly id: string;
  /** Higher is better; comparable across relays (coverage first, then text relevance). */
  readonly score: number;
  readonly memory: unknown;
}

/** The top `limit` distinct hits of all lists, best first; ties broken by id so every relay agrees. */
export function mergeHits(lists: readonly (readonly SearchHit[])[], limit: number): SearchHit[] {
  const best = new Map<string, SearchHit>();
  for (const list of lists) {
    for (const hit of list) {
      const prev = best.get(hit.id);
      if (!prev || hit.score > prev.score) best.set(hit.id, hit);
    }
  }
  return [...best.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, Math.max(0, limit));
}
