import { describe, expect, it } from 'vitest';
import { coverage, parseQuery, toFtsQuery, words } from '../../../core/search/query.ts';

describe('search queries', () => {
  it('split into lowercased words and quoted phrases', () => {
    expect(parseQuery('Beach SUNSET "old harbour" 2019')).toEqual([
      { words: ['beach'] },
      { words: ['sunset'] },
      { words: ['old', 'harbour'] },
      { words: ['2019'] },
    ]);
    expect(words('Ça va? Über-größe 東京')).toEqual(['ça', 'va', 'über', 'größe', '東京']);
  });

  it('turn operators, quotes and SQL into plain quoted terms', () => {
    const q = toFtsQuery(parseQuery(`cats AND NOT dogs* NEAR(x) title:"a" '); DROP TABLE memories; --`));
    expect(q).toBe(
      '"cats" OR "and" OR "not" OR "dogs" OR "near" OR "x" OR "title" OR "a" OR "drop" OR "table" OR "memories"',
    );
    expect(toFtsQuery([{ words: ['say "hi"'] }])).toBe('"say ""hi"""');
  });

  it('are bounded in length and number of terms', () => {
    expect(parseQuery('w'.repeat(10_000))).toEqual([{ words: ['w'.repeat(512)] }]);
    expect(parseQuery(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '))).toHaveLength(16);
    expect(parseQuery('"" " " !!!')).toEqual([]);
  });

  it('measure coverage as the fraction of terms present', () => {
    const terms = parseQuery('red "fishing boat" harbour');
    expect(coverage(terms, 'A red fishing boat at sea')).toBeCloseTo(2 / 3);
    expect(coverage(terms, 'boat fishing')).toBe(0);
  });
});
