import { describe, expect, it } from 'vitest';
import { formatCapability, parseCapability } from '../../../core/storage/capability.ts';
import { toHex } from '../../../core/bytes.ts';

const HASH = 'ab'.repeat(32);

describe('capability', () => {
  it('round-trips public and encrypted capabilities', () => {
    expect(parseCapability(formatCapability({ manifest: HASH, key: null }))).toEqual({ manifest: HASH, key: null });
    const key = crypto.getRandomValues(new Uint8Array(32));
    const parsed = parseCapability(formatCapability({ manifest: HASH, key }));
    expect(toHex(parsed.key!)).toBe(toHex(key));
  });

  it('refuses anything else with a clear BAD_INPUT', () => {
    for (const text of [
      '',
      'pt1',
      `pt2.${HASH}`,
      `pt1.${HASH.toUpperCase()}`,
      `pt1.${HASH}.short`,
      `pt1.${HASH}.${'A'.repeat(43)}.x`,
      `pt1.../../etc`,
      'x'.repeat(500),
    ]) {
      expect(() => parseCapability(text), text).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    }
  });
});
