// Where a put's fixed cost goes, measured from outside the library: when the first shard was acknowledged (links
// opening, the window's first round), when the last shard was handed over and acknowledged, and the manifest's own
// time (it is the last store a put makes).
import type { ShardTransport } from '../core/storage/shard-transport.ts';

/** Times in ms from the put's start. */
export interface PutTrace {
  readonly firstAckMs: number;
  /** The last data shard handed to the transport, and acknowledged (every copy durable). */
  readonly lastSentMs: number;
  readonly lastAckMs: number;
  /** The manifest's store: sent, and acknowledged (the put resolves right after). */
  readonly manifestSentMs: number;
  readonly manifestAckMs: number;
}

/** Wraps `inner`; the last store a put makes is its manifest. Call `start` when the put starts. */
export function tracePut<T extends ShardTransport>(
  inner: T,
): { transport: ShardTransport; start: () => void; finish: () => PutTrace } {
  let t0 = 0;
  const sends: { sent: number; acked: number }[] = [];
  const transport: ShardTransport = {
    storeShard: async (hash, bytes, replicas, digest) => {
      const entry = { sent: performance.now() - t0, acked: NaN };
      sends.push(entry);
      try {
        return await inner.storeShard(hash, bytes, replicas, digest);
      } finally {
        entry.acked = performance.now() - t0;
      }
    },
    fetchShard: (hash) => inner.fetchShard(hash),
    digestOf: (b) => inner.digestOf?.(b),
    unpin: (hash) => inner.unpin?.(hash) ?? Promise.resolve(0),
    putWindow: () => inner.putWindow?.() ?? 4,
    prepare: () => inner.prepare?.(),
  };
  return {
    transport,
    start: () => (t0 = performance.now()),
    finish: () => {
      const data = sends.slice(0, -1);
      const manifest = sends.at(-1) ?? { sent: 0, acked: 0 };
      return {
        firstAckMs: Math.min(...data.map((s) => s.acked)),
        lastSentMs: Math.max(...data.map((s) => s.sent)),
        lastAckMs: Math.max(...data.map((s) => s.acked)),
        manifestSentMs: manifest.sent,
        manifestAckMs: manifest.acked,
      };
    },
  };
}

/** One line for a person. */
export function describePut(t: PutTrace): string {
  const f = (ms: number) => ms.toFixed(0);
  return (
    `first ack ${f(t.firstAckMs)} ms; last shard sent ${f(t.lastSentMs)}, acked ${f(t.lastAckMs)}; ` +
    `manifest sent ${f(t.manifestSentMs)}, acked ${f(t.manifestAckMs)}`
  );
}
