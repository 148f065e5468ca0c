// Turning what a person types into safe search terms: words and "quoted phrases", never query syntax.
//
// Every term becomes an FTS5 string literal ("…" with inner quotes doubled), joined by OR, so operators
// (AND, NOT, NEAR, *, ^, column filters, parentheses) typed by anyone are searched for as plain text.
import { MAX_QUERY_LENGTH, MAX_QUERY_TERMS } from '../limits.ts';

/** A memory must contain at least this fraction of the query's terms to be a result anywhere. */
export const MIN_COVERAGE = 0.5;

export interface SearchTerm {
  /** Lowercased words of the term (one word, or several for a phrase). */
  readonly words: readonly string[];
}

/** Lowercased Unicode words (letters and digits), the same way the index tokenizes. */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Splits a query into terms; quoted parts are phrases. Bounded in length and number of terms. */
export function parseQuery(query: string): SearchTerm[] {
  const text = String(query).slice(0, MAX_QUERY_LENGTH);
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  const re = /"([^"]*)"|([^\s"]+)/g;
  for (const m of text.matchAll(re)) {
    const w = words(m[1] ?? m[2] ?? '');
    if (m[1] !== undefined) {
      if (w.length > 0) push(w);
    } else for (const one of w) push([one]);
    if (terms.length >= MAX_QUERY_TERMS) break;
  }
  return terms.slice(0, MAX_QUERY_TERMS);

  function push(w: string[]) {
    const key = w.join(' ');
    if (!seen.has(key)) {
      seen.add(key);
      terms.push({ words: w });
    }
  }
}

/** The FTS5 MATCH expression for the terms: quoted literals joined by OR. */
export function toFtsQuery(terms: readonly SearchTerm[]): string {
  return terms.map((t) => `"${t.words.join(' ').replace(/"/g, '""')}"`).join(' OR ');
}

/** Fraction of the query's terms a text contains (the relevance floor each relay applies). */
export function coverage(terms: readonly SearchTerm[], text: string): number {
  if (terms.length === 0) return 0;
  const hay = ` ${words(text).join(' ')} `;
  return terms.filter((t) => hay.includes(` ${t.words.join(' ')} `)).length / terms.length;
}
