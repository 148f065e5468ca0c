// What holds a swarming get back, measured from outside the library: per-holder bytes and in-flight requests over
// time, and how long each finished shard waits for an earlier one before the in-order read takes it.
import type { Manifest } from '../core/storage/manifest.ts';
import type { ShardTransport } from '../core/storage/shard-transport.ts';
import type { SwarmStats } from '../core/storage/swarm-policy.ts';

/** A get's trace, summed over its shards and its samples (one every SAMPLE_MS while it runs). */
export interface GetTrace {
  /** Shards fetched, and the mean / longest time a fetched shard waited for the ones before it (ms). */
  readonly shards: number;
  readonly waitMeanMs: number;
  readonly waitMaxMs: number;
  /** Means over the samples: the window the transport allowed, shards requested and not back, back and waiting. */
  readonly windowMean: number;
  readonly inflightMean: number;
  readonly waitingMean: number;
  /** Per holder (in the order first seen): share of shards served, mean requests in flight, share of samples idle. */
  readonly holders: readonly { share: number; inflightMean: number; idle: number }[];
}

const SAMPLE_MS = 20;

/** Wraps `inner` (whose per-holder stats `stats` reads) and collects a trace; `finish` stops it and sums it up. */
export function traceGet(
  inner: ShardTransport & { window(): number },
  stats: () => SwarmStats,
  served: () => ReadonlyMap<string, number>,
): {
  transport: ShardTransport;
  onManifest: (m: Manifest) => void;
  onWrite: () => void;
  finish: () => GetTrace;
} {
  const doneAt = new Map<string, number>();
  const waits: number[] = [];
  let order: readonly string[] = [];
  let written = 0;
  let requested = 0;
  let back = 0;
  const samples: { window: number; inflight: number; waiting: number; holders: Record<string, number> }[] = [];
  const timer = setInterval(() => {
    const holders: Record<string, number> = {};
    for (const [id, s] of Object.entries(stats())) holders[id] = s.inflight;
    samples.push({ window: inner.window(), inflight: requested - back, waiting: back - written, holders });
  }, SAMPLE_MS);
  const transport: ShardTransport = {
    storeShard: (...a) => inner.storeShard(...a),
    fetchShard: async (hash) => {
      requested++;
      try {
        return await inner.fetchShard(hash);
      } finally {
        back++;
        doneAt.set(hash, performance.now());
      }
    },
    digestOf: (b) => inner.digestOf?.(b),
    window: () => inner.window(),
  };
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    transport,
    // The manifest itself went through fetchShard too: it is not a shard of the read.
    onManifest: (m) => {
      order = m.shards;
      requested = 0;
      back = 0;
    },
    onWrite: () => {
      const at = doneAt.get(order[written] ?? '');
      if (at !== undefined) waits.push(performance.now() - at);
      written++;
    },
    finish: () => {
      clearInterval(timer);
      const ids = [...new Set(samples.flatMap((s) => Object.keys(s.holders)))];
      const total = [...served().values()].reduce((a, b) => a + b, 0) || 1;
      return {
        shards: waits.length,
        waitMeanMs: mean(waits),
        waitMaxMs: Math.max(0, ...waits),
        windowMean: mean(samples.map((s) => s.window)),
        inflightMean: mean(samples.map((s) => s.inflight)),
        waitingMean: mean(samples.map((s) => s.waiting)),
        holders: ids.map((id) => ({
          share: (served().get(id) ?? 0) / total,
          inflightMean: mean(samples.map((s) => s.holders[id] ?? 0)),
          idle: mean(samples.map((s) => ((s.holders[id] ?? 0) === 0 ? 1 : 0))),
        })),
      };
    },
  };
}

/** One line for a person: the trace's figures, rounded. */
export function describeTrace(t: GetTrace): string {
  const h = t.holders
    .map((x) => `${(x.share * 100).toFixed(0)}%/${x.inflightMean.toFixed(1)}/${(x.idle * 100).toFixed(0)}%`)
    .join(' ');
  return (
    `window ${t.windowMean.toFixed(1)}, in flight ${t.inflightMean.toFixed(1)}, back and waiting ` +
    `${t.waitingMean.toFixed(1)} shards; a shard waited ${t.waitMeanMs.toFixed(0)} ms for earlier ones (longest ` +
    `${t.waitMaxMs.toFixed(0)}); per holder share/in flight/idle: ${h}`
  );
}
