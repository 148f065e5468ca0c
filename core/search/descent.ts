// Which children a search descends into: those whose subtree summary may hold a result (enough of the
// query's terms), or that have no summary yet.
import { mayMatch, type WordBloom } from './bloom.ts';
import { MIN_COVERAGE, type SearchTerm } from './query.ts';

export interface DescentPlan {
  readonly ask: string[];
  readonly pruned: string[];
}

/** A child without a summary is always asked: a missing summary must never hide results. */
export function planDescent(
  children: readonly string[],
  summaries: ReadonlyMap<string, WordBloom>,
  terms: readonly SearchTerm[],
): DescentPlan {
  const ask: string[] = [];
  const pruned: string[] = [];
  for (const child of children) {
    const s = summaries.get(child);
    if (s && !mayMatch(s, terms, MIN_COVERAGE)) pruned.push(child);
    else ask.push(child);
  }
  return { ask, pruned };
}
