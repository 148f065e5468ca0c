// Which holder a get asks for each shard, how many shards it keeps in flight, and when it hedges a straggler:
// the pure policy of the swarming get (issue #20). The shell (node-relay/storage/routed-transport.ts) keeps the
// stats, passes the time in, and carries the decisions out.
//
// Why: asking every shard of its first-ranked holder made load follow rendezvous rank, not capacity, and a fixed
// window of 4 left holders idle. Here each holder has a throughput and latency estimate (EWMA of the shards it
// served); a shard goes to the candidate expected to finish it first given what it already has in flight; the
// window is the sum of each holder's bandwidth-delay product in shards (bounded: memory is window × shard size);
// and a request that takes far longer than its holder's estimate is asked again of another holder.
import {
  GET_HEDGE_FACTOR,
  GET_HEDGE_MAX_MS,
  GET_HEDGE_MIN_MS,
  GET_WINDOW_MAX,
  GET_WINDOW_MIN,
  GET_WINDOW_PER_HOLDER_MIN,
} from '../limits.ts';

export interface HolderStats {
  /** Requests sent to this holder and not yet answered. */
  readonly inflight: number;
  /** Delivery rate (bytes per ms): shard bytes over the time between completions while busy; null until measured. */
  readonly bytesPerMs: number | null;
  /** Shortest request-to-answer time seen (ms): one round trip plus one shard's transfer, as BBR's min RTT. */
  readonly minElapsedMs: number | null;
  /** When its last answer came (ms, the shell's clock); null before the first. */
  readonly lastDoneAt: number | null;
  /** Failures in a row (a success resets it). */
  readonly failures: number;
}

export type SwarmStats = Readonly<Record<string, HolderStats>>;

/** Weight of the newest sample in the rate estimate. */
const EWMA = 0.3;

const FRESH: HolderStats = Object.freeze({
  inflight: 0,
  bytesPerMs: null,
  minElapsedMs: null,
  lastDoneAt: null,
  failures: 0,
});

export function statsOf(stats: SwarmStats, id: string): HolderStats {
  return stats[id] ?? FRESH;
}

/** A request to `id` was sent. */
export function started(stats: SwarmStats, id: string): SwarmStats {
  const s = statsOf(stats, id);
  return { ...stats, [id]: { ...s, inflight: s.inflight + 1 } };
}

/**
 * `id` answered `bytes` for a request sent at `sentAt`, at `now`. The delivery sample spans from the later of the
 * send and the holder's previous answer: with requests pipelined, answers come one transfer time apart, so a busy
 * holder is not taken for a slow one; its shortest whole request time stands for round trip plus transfer.
 */
export function answered(stats: SwarmStats, id: string, bytes: number, sentAt: number, now: number): SwarmStats {
  const s = statsOf(stats, id);
  const elapsed = Math.max(now - sentAt, 0.05);
  const span = Math.max(now - Math.max(sentAt, s.lastDoneAt ?? sentAt), 0.05);
  const sample = bytes / span;
  return {
    ...stats,
    [id]: {
      inflight: Math.max(0, s.inflight - 1),
      bytesPerMs: s.bytesPerMs === null ? sample : s.bytesPerMs + EWMA * (sample - s.bytesPerMs),
      minElapsedMs: s.minElapsedMs === null ? elapsed : Math.min(s.minElapsedMs, elapsed),
      lastDoneAt: s.inflight > 1 ? now : null,
      failures: 0,
    },
  };
}

/** A request to `id` failed (refused, closed, timed out). */
export function failed(stats: SwarmStats, id: string): SwarmStats {
  const s = statsOf(stats, id);
  return { ...stats, [id]: { ...s, inflight: Math.max(0, s.inflight - 1), failures: s.failures + 1 } };
}

/** A request that lost a hedge race and is no longer waited for. */
export function abandoned(stats: SwarmStats, id: string): SwarmStats {
  const s = statsOf(stats, id);
  return { ...stats, [id]: { ...s, inflight: Math.max(0, s.inflight - 1) } };
}

/** The median known rate, the stand-in for holders not measured yet (optimistic: new holders get tried). */
function typicalRate(stats: SwarmStats): number | null {
  const rates = Object.values(stats).flatMap((s) => (s.bytesPerMs === null ? [] : [s.bytesPerMs]));
  if (rates.length === 0) return null;
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

/** The round trip part of the shortest request time (what is left of it after one shard's transfer). */
function latencyOf(s: HolderStats, bytes: number): number {
  if (s.minElapsedMs === null || s.bytesPerMs === null) return 0;
  return Math.max(0, s.minElapsedMs - bytes / s.bytesPerMs);
}

/** Expected ms until `id` would finish one more shard of `bytes`, given what it has in flight. */
export function expectedFinishMs(stats: SwarmStats, id: string, bytes: number): number {
  const s = statsOf(stats, id);
  const rate = s.bytesPerMs ?? typicalRate(stats);
  // Nothing measured anywhere yet: spread by load alone.
  if (rate === null) return s.inflight + 1;
  const queued = ((s.inflight + 1) * bytes) / rate;
  // A holder that keeps failing is pushed back, not dropped: it may be the only one left.
  return (queued + latencyOf(s, bytes)) * (1 + s.failures * 4);
}

/**
 * The holder to ask for a shard of `bytes`, among `candidates` (in rendezvous order: ties go to the better rank,
 * so with nothing measured the first-ranked holder is asked, as placement expects).
 */
export function pickHolder(stats: SwarmStats, candidates: readonly string[], bytes: number): string | null {
  let best: string | null = null;
  let bestMs = Infinity;
  for (const id of candidates) {
    const ms = expectedFinishMs(stats, id, bytes);
    if (ms < bestMs) [best, bestMs] = [id, ms];
  }
  return best;
}

/**
 * Shards a get keeps in flight: each holder's bandwidth-delay product in shards (at least
 * GET_WINDOW_PER_HOLDER_MIN, so a link stays busy while a reply is on its way), summed over the holders seen and the
 * `known` ones not heard from yet, within GET_WINDOW_MIN … GET_WINDOW_MAX (memory is at most GET_WINDOW_MAX shards).
 */
export function windowSize(stats: SwarmStats, shardBytes: number, known: readonly string[] = []): number {
  // Holders known to take part but not heard from yet count their minimum: with the links known, the window starts
  // at its steady size instead of ramping up from GET_WINDOW_MIN one acknowledgement at a time (the put uses it;
  // the get's A/B on the WAN suite was better without it, see docs/benchmarks.md).
  let total = known.filter((id) => stats[id] === undefined).length * GET_WINDOW_PER_HOLDER_MIN;
  for (const s of Object.values(stats)) {
    if (s.failures > 0) continue;
    // Shards in flight that keep the link full: round trip plus transfer, times the rate, plus two, so that a holder
    // still has one queued when the shard it is sending and the one behind it finish close together (with one, the
    // WAN suite's 1 Gbit/s client saw its holders idle 5-26 % of the get).
    const bdp =
      s.bytesPerMs !== null && s.minElapsedMs !== null
        ? Math.ceil((s.bytesPerMs * s.minElapsedMs) / shardBytes) + 2
        : 0;
    total += Math.max(GET_WINDOW_PER_HOLDER_MIN, bdp);
  }
  return Math.min(GET_WINDOW_MAX, Math.max(GET_WINDOW_MIN, total));
}

/** How long to wait for `id` before asking another holder for the same shard of `bytes`. */
export function hedgeAfterMs(stats: SwarmStats, id: string, bytes: number): number {
  const s = statsOf(stats, id);
  const rate = s.bytesPerMs ?? typicalRate(stats);
  if (rate === null) return GET_HEDGE_MAX_MS;
  const expected = (Math.max(1, s.inflight) * bytes) / rate + latencyOf(s, bytes);
  return Math.min(GET_HEDGE_MAX_MS, Math.max(GET_HEDGE_MIN_MS, expected * GET_HEDGE_FACTOR));
}
