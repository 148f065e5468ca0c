import { describe, expect, it } from 'vitest';
import vectorsFile from '../../../core/wire/wire-vectors.json' with { type: 'json' };
import { checkWireVectors, type WireVector } from '../../../core/wire/check-vectors.ts';

describe('wire test vectors (Node)', () => {
  it('encode to the exact recorded bytes, verify, and refuse a tampered signature', async () => {
    const results = await checkWireVectors(vectorsFile.vectors as WireVector[]);
    expect(results).toHaveLength(3);
    for (const r of results)
      expect(r, r.name).toEqual({ name: r.name, encodes: true, verifies: true, rejectsTampered: true });
  });
});
