import { describe, expect, it } from 'vitest';
import { GET_GC_BYTES, gcPacer, PUT_GC_BYTES } from '../../../node-relay/cli/gc-pacer.ts';

describe('gcPacer (CLI put/get)', () => {
  it('runs one young-generation collection each time another interval of bytes is done', () => {
    const pace = gcPacer(1024);
    expect([0, 500, 1023].map(pace)).toEqual([0, 0, 0]);
    expect(pace(1024)).toBe(1);
    expect(pace(2000)).toBe(1);
    expect(pace(2048)).toBe(2);
    // A jump of several intervals (a large last shard) runs one collection, not one per interval.
    expect(pace(10_000)).toBe(3);
    expect(pace(10_000)).toBe(3);
  });

  it('gets V8 collections in this runtime, and the CLI intervals are whole shards', () => {
    expect(gcPacer(1)(1)).toBe(1);
    expect(PUT_GC_BYTES % (1024 * 1024)).toBe(0);
    expect(GET_GC_BYTES % (1024 * 1024)).toBe(0);
  });
});
