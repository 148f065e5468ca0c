import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../node-relay/storage/http-range.ts';

describe('parseRange', () => {
  it('reads START-END, START- and -SUFFIX, clamped to the length', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ kind: 'range', start: 50, end: 99 });
  });

  it('answers unsatisfiable ranges as such', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=9-3', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores absent, malformed and multi-range headers (the whole body is sent)', () => {
    for (const h of [undefined, 'bytes=', 'bytes=a-b', 'items=0-1', 'bytes=0-1,5-6', 'bytes=99999999999999999-']) {
      expect(parseRange(h, 100), String(h)).toEqual({ kind: 'none' });
    }
  });
});
