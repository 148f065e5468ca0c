// Choosing holders: n distinct relays drawn at random from the membership, skipping ones that already failed.

export interface Candidate {
  readonly id: string;
}

/**
 * Picks up to `n` distinct candidates uniformly at random (partial Fisher–Yates), never one in `exclude`.
 * `random` returns a float in [0, 1) and is passed in so that placement is reproducible in tests.
 */
export function pickHolders<T extends Candidate>(members: readonly T[], n: number, random: () => number, exclude: ReadonlySet<string> = new Set()): T[] {
  const pool = members.filter((m, i) => !exclude.has(m.id) && members.findIndex((o) => o.id === m.id) === i);
  const count = Math.min(n, pool.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/**
 * Which surviving holder repairs a shard after holders left: the one with the smallest id. Every holder
 * computes the same answer from the same holder set, so exactly one of them does the work.
 */
export function repairLeader(survivors: readonly string[]): string | null {
  let best: string | null = null;
  for (const id of survivors) if (best === null || id < best) best = id;
  return best;
}
