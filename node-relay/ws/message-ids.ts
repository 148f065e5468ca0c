// Message ids of outgoing frames, drawn from the injected random source in blocks.
//
// Why blocks: each draw is a trip into the system CSPRNG that cost 2–12 µs of the relay's one thread in the
// messages benchmark (randomFillSync, 2.3 % of its samples), and a relay sends one frame per message it
// answers. Ids are public (they travel in every header) and only need to be unique and unpredictable
// before they are sent, which bytes drawn a little earlier from the same source still are.
import { toHex } from '../../core/bytes.ts';
import { MESSAGE_ID_BYTES } from '../../core/limits.ts';
import type { Rng } from '../components.ts';

/** Ids taken from one draw of the random source. */
export const IDS_PER_DRAW = 64;

const pools = new WeakMap<Rng, { bytes: Uint8Array; next: number }>();

/** A fresh message id (32 hex chars) from `rng`'s bytes. */
export function nextMessageId(rng: Rng): string {
  let pool = pools.get(rng);
  if (pool === undefined || pool.next >= pool.bytes.length) {
    pool = { bytes: rng.bytes(IDS_PER_DRAW * MESSAGE_ID_BYTES), next: 0 };
    pools.set(rng, pool);
  }
  const id = toHex(pool.bytes.subarray(pool.next, pool.next + MESSAGE_ID_BYTES));
  pool.next += MESSAGE_ID_BYTES;
  return id;
}
