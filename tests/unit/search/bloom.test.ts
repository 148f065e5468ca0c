import { describe, expect, it } from 'vitest';
import { mayMatch, WordBloom } from '../../../core/search/bloom.ts';
import { parseQuery } from '../../../core/search/query.ts';

describe('WordBloom', () => {
  it('never forgets a word it was given', () => {
    const b = new WordBloom();
    const added = Array.from({ length: 2000 }, (_, i) => `word${i}`);
    for (const w of added) b.add(w);
    expect(added.every((w) => b.has(w))).toBe(true);
  });

  it('has few false positives at its design load', () => {
    const b = new WordBloom();
    for (let i = 0; i < 1500; i++) b.add(`in${i}`);
    let fp = 0;
    for (let i = 0; i < 10_000; i++) if (b.has(`out${i}`)) fp++;
    expect(fp / 10_000).toBeLessThan(0.02);
  });

  it('merges subtrees by union and survives a text round trip', () => {
    const a = new WordBloom();
    const c = new WordBloom();
    a.add('harbour');
    c.add('sunset');
    a.merge(c);
    const back = WordBloom.fromText(a.toText());
    expect(back.equals(a)).toBe(true);
    expect(mayMatch(back, parseQuery('sunset'))).toBe(true);
    expect(mayMatch(back, parseQuery('"harbour sunset"'))).toBe(true);
    expect(mayMatch(new WordBloom(), parseQuery('sunset'))).toBe(false);
    expect(() => WordBloom.fromText('AAAA')).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('rules a summary out when fewer than the minimum coverage of terms may be present', () => {
    const b = new WordBloom();
    b.add('violin');
    expect(mayMatch(b, parseQuery('violin glacier token5'), 0)).toBe(true);
    expect(mayMatch(b, parseQuery('violin glacier token5'), 0.5)).toBe(false);
    b.add('glacier');
    expect(mayMatch(b, parseQuery('violin glacier token5'), 0.5)).toBe(true);
  });
});
