// One shard of a swarming get: ask the holder the policy picks, hedge to another when it straggles, move on at
// once when it fails. The shell half of core/storage/swarm-policy.ts (which decides; this carries it out).
import { PeerTreeError } from '../../core/errors.ts';
import {
  abandoned,
  answered,
  failed,
  hedgeAfterMs,
  pickHolder,
  started,
  type SwarmStats,
} from '../../core/storage/swarm-policy.ts';
import type { Timers } from '../components.ts';
import { MAX_PARALLEL_ASKS_PER_SHARD } from '../../core/limits.ts';

/** What a swarming fetch needs from its transport. */
export interface SwarmFetchDeps {
  /** The stats the policy reads, and where its updates go (the transport keeps one object per get). */
  readonly stats: { current: SwarmStats };
  /** Asks holder `id` for the shard; rejects on a refusal or a dead link. */
  readonly ask: (id: string) => Promise<Uint8Array>;
  /** The shell's clock in ms (monotonic). */
  readonly now: () => number;
  readonly timers: Timers;
  /** Called when a second holder is asked because the first straggled. */
  readonly onHedge?: () => void;
}

/**
 * Fetches from `candidates` (the shard's holders, in rendezvous order): the picked holder first; a second one if the
 * first has not answered within its hedge delay, or at once if it failed; each candidate asked at most once. The
 * first answer wins (the other request's answer is dropped). Rejects with the last error when every candidate
 * failed, or at once for an empty list.
 */
export function swarmFetch(
  candidates: readonly string[],
  shardBytes: number,
  deps: SwarmFetchDeps,
): Promise<{ bytes: Uint8Array; from: string }> {
  const { stats } = deps;
  return new Promise((resolve, reject) => {
    const untried = [...candidates];
    const running = new Map<string, number>();
    let settled = false;
    let lastError: unknown = new PeerTreeError('NOT_FOUND', 'no holder of the shard to ask');
    let hedgeTimer: unknown = null;

    const clearHedge = () => {
      if (hedgeTimer !== null) deps.timers.clearTimeout(hedgeTimer);
      hedgeTimer = null;
    };
    const finish = (err: unknown | null, result?: { bytes: Uint8Array; from: string }) => {
      settled = true;
      clearHedge();
      for (const id of running.keys()) stats.current = abandoned(stats.current, id);
      running.clear();
      if (err === null) resolve(result!);
      else reject(err);
    };
    const launch = () => {
      if (settled || running.size >= MAX_PARALLEL_ASKS_PER_SHARD) return;
      const id = pickHolder(stats.current, untried, shardBytes);
      if (id === null) {
        if (running.size === 0) finish(lastError);
        return;
      }
      untried.splice(untried.indexOf(id), 1);
      const sentAt = deps.now();
      running.set(id, sentAt);
      stats.current = started(stats.current, id);
      deps.ask(id).then(
        (bytes) => {
          if (settled || !running.has(id)) return;
          running.delete(id);
          stats.current = answered(stats.current, id, bytes.length, sentAt, deps.now());
          finish(null, { bytes, from: id });
        },
        (err: unknown) => {
          if (settled || !running.has(id)) return;
          running.delete(id);
          stats.current = failed(stats.current, id);
          lastError = err;
          clearHedge();
          launch();
          if (running.size === 0 && !settled) finish(lastError);
        },
      );
      armHedge(id);
    };
    const armHedge = (id: string) => {
      clearHedge();
      if (untried.length === 0 || running.size >= MAX_PARALLEL_ASKS_PER_SHARD) return;
      hedgeTimer = deps.timers.setTimeout(
        () => {
          hedgeTimer = null;
          if (settled) return;
          deps.onHedge?.();
          launch();
        },
        hedgeAfterMs(stats.current, id, shardBytes),
      );
    };
    launch();
  });
}
