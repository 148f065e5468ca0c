import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/bytes.ts';
import { systemRng, type Rng } from '../../../node-relay/components.ts';
import { IDS_PER_DRAW, nextMessageId } from '../../../node-relay/ws/message-ids.ts';

describe('message ids', () => {
  it('are the random source’s bytes in order, taken IDS_PER_DRAW ids per draw', () => {
    const draws: Uint8Array[] = [];
    let counter = 0;
    const rng: Rng = {
      bytes(n) {
        const out = Uint8Array.from({ length: n }, () => counter++ & 0xff);
        draws.push(out.slice());
        return out;
      },
    };
    const ids = Array.from({ length: IDS_PER_DRAW + 1 }, () => nextMessageId(rng));
    expect(draws).toHaveLength(2);
    expect(ids[0]).toBe(toHex(draws[0]!.subarray(0, 16)));
    expect(ids[IDS_PER_DRAW - 1]).toBe(toHex(draws[0]!.subarray(-16)));
    expect(ids[IDS_PER_DRAW]).toBe(toHex(draws[1]!.subarray(0, 16)));
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
  });

  it('never repeat from the system source', () => {
    const ids = new Set(Array.from({ length: 10 * IDS_PER_DRAW }, () => nextMessageId(systemRng)));
    expect(ids.size).toBe(10 * IDS_PER_DRAW);
  });
});
