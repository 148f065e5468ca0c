// Choosing holders. Shards go to the members that rank highest for their hash (rendezvous, or highest-random-
// weight, hashing), so that any relay can compute where a shard lives from its name alone, without asking.
// Random choice remains for work that is not tied to a name (which relays to probe, search replicas).
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import { sha256Sync } from '../crypto/sha256.ts';

export interface Candidate {
  readonly id: string;
}

/**
 * Picks up to `n` distinct candidates uniformly at random (partial Fisher–Yates), never one in `exclude`.
 * `random` returns a float in [0, 1) and is passed in so that placement is reproducible in tests.
 */
export function pickHolders<T extends Candidate>(
  members: readonly T[],
  n: number,
  random: () => number,
  exclude: ReadonlySet<string> = new Set(),
): T[] {
  const pool = members.filter((m, i) => !exclude.has(m.id) && members.findIndex((o) => o.id === m.id) === i);
  const count = Math.min(n, pool.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

// Odd 32-bit multipliers of the two hash lanes (cyrb53: Knuth's golden ratio, a large prime, Murmur3's fmix).
const LANE_1 = 2654435761;
const LANE_2 = 1597334677;
const FMIX_1 = 2246822507;
const FMIX_2 = 3266489909;
const SEED_1 = 0xdeadbeef;
const SEED_2 = 0x41c6ce57;
/** The lanes are folded into 53 bits: the most a float64 carries exactly, so scores compare without ties by rounding. */
const HIGH_BITS_MASK = 0x1fffff;
const TWO_POW_32 = 4294967296;

type Lanes = [number, number];

function absorb(lanes: Lanes, text: string): Lanes {
  let [h1, h2] = lanes;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, LANE_1);
    h2 = Math.imul(h2 ^ c, LANE_2);
  }
  return [h1, h2];
}

/** The finalizer makes every input bit affect every output bit (avalanche): ids differing in one char rank independently. */
function finish([a, b]: Lanes): number {
  let h1 = Math.imul(a ^ (a >>> 16), FMIX_1);
  h1 ^= Math.imul(b ^ (b >>> 13), FMIX_2);
  let h2 = Math.imul(b ^ (b >>> 16), FMIX_1);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), FMIX_2);
  return TWO_POW_32 * (h2 & HIGH_BITS_MASK) + (h1 >>> 0);
}

/**
 * The weight of `memberId` for the shard `shardHash`: a 53-bit non-cryptographic hash of the pair. Placement is
 * not a secret (anyone may compute it) and needs no cryptographic strength, only a uniform, stable spread.
 */
export function rendezvousScore(shardHash: string, memberId: string): number {
  return finish(absorb(absorb([SEED_1, SEED_2], shardHash), memberId));
}

/**
 * Every distinct member, highest weight for `shardHash` first (ties, vanishingly rare, by id). The first
 * `replicas` are the shard's holders; when one refuses or leaves, the next in this order takes its place, so
 * the order is also the order in which to look for the shard.
 */
export function rendezvousOrder<T extends Candidate>(shardHash: string, members: readonly T[]): T[] {
  return scoreAll(shardHash, members)
    .sort((x, y) => (ranksBefore(x, y) ? -1 : ranksBefore(y, x) ? 1 : 0))
    .map((s) => s.member);
}

/** Each distinct member (the first of equal ids) with its score for `shardHash`. */
function scoreAll<T extends Candidate>(shardHash: string, members: readonly T[]): Scored<T>[] {
  const prefix = absorb([SEED_1, SEED_2], shardHash);
  const seen = new Set<string>();
  const out: Scored<T>[] = [];
  for (const member of members) {
    if (seen.has(member.id)) continue;
    seen.add(member.id);
    out.push({ member, score: finish(absorb(prefix, member.id)) });
  }
  return out;
}

interface Scored<T> {
  readonly member: T;
  readonly score: number;
}

/** True when `x` ranks before `y`: the higher score, ties (vanishingly rare) by the smaller id. */
function ranksBefore<T extends Candidate>(x: Scored<T>, y: Scored<T>): boolean {
  return x.score > y.score || (x.score === y.score && x.member.id < y.member.id);
}

/**
 * The first `n` members in rendezvous order for `shardHash`, skipping the ones in `exclude` (tried, refused).
 * Exactly rendezvousOrder(...).filter(...).slice(0, n), without sorting every member: one pass keeps the best
 * `n` so far in a small sorted list, O(N · n) comparisons at worst and O(N) for the usual n of 3–5.
 */
export function rendezvousHolders<T extends Candidate>(
  shardHash: string,
  members: readonly T[],
  n: number,
  exclude: ReadonlySet<string> = new Set(),
): T[] {
  const want = Math.max(0, Math.floor(n));
  if (want === 0) return [];
  // Scored inline rather than through scoreAll: this pass keeps no array of every member.
  const prefix = absorb([SEED_1, SEED_2], shardHash);
  const seen = new Set<string>();
  const best: Scored<T>[] = [];
  for (const member of members) {
    if (seen.has(member.id) || exclude.has(member.id)) continue;
    seen.add(member.id);
    const entry = { member, score: finish(absorb(prefix, member.id)) };
    if (best.length === want && !ranksBefore(entry, best[want - 1]!)) continue;
    let at = best.length === want ? want - 1 : best.length;
    while (at > 0 && ranksBefore(entry, best[at - 1]!)) at--;
    best.splice(at, 0, entry);
    if (best.length > want) best.pop();
  }
  return best.map((b) => b.member);
}

/** Domain tag of the repair rank: SHA-256(tag ‖ shard hash (32 bytes) ‖ relay id (UTF-8)). */
export const REPAIR_RANK_TAG = utf8('peertree/repair-rank/v1\u0000');

function rankKey(shardHash: string, id: string): string {
  return toHex(sha256Sync(concatBytes(REPAIR_RANK_TAG, fromHex(shardHash), utf8(id))));
}

/**
 * The order in which surviving holders repair a shard: by SHA-256 of (shard hash, relay id), smallest first.
 * Unlike the smallest id (which anyone can grind a key for, once, for every shard), a cryptographic hash of the
 * pair puts a given relay first for a uniformly random 1/n of the shards whatever its key, so no relay can choose
 * to lead repair of a shard it means to neglect; and the next one takes over after a time-out anyway.
 */
export function repairRank(shardHash: string, survivors: readonly string[]): string[] {
  const keyed = [...new Set(survivors)].map((id) => ({ id, key: rankKey(shardHash, id) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.id);
}

/** The first survivor in repair rank for `shardHash` (null when none is left). */
export function repairLeader(shardHash: string, survivors: readonly string[]): string | null {
  return repairRank(shardHash, survivors)[0] ?? null;
}
