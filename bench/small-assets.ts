// Suite 5: latency of getting many distinct small (4 KiB) encrypted files from a tree of relays: p50 and p99 of
// the whole get (manifest with the file inside, verified), routed as the CLI routes (straight to the relay ranked
// first for the manifest, over the client's links to the tree) and through one relay only (as the PWA does).
import { randomFillSync } from 'node:crypto';
import { generateIdentity } from '../core/identity/index.ts';
import { getFile } from '../core/storage/get-file.ts';
import { putFile } from '../core/storage/put-file.ts';
import { ShardClient } from '../core/protocol/shard-client.ts';
import { RoutedTransport } from '../node-relay/storage/routed-transport.ts';
import { routeMembers } from '../node-relay/storage/route-members.ts';
import type { ShardTransport } from '../core/storage/shard-transport.ts';
import { connect } from '../node-relay/ws/connector.ts';
import type { Link } from '../node-relay/ws/link.ts';
import type { Tree } from './cluster.ts';

export interface SmallAssetTimes {
  count: number;
  /** Routed: the client asks the first-ranked relay directly. */
  p50Ms: number;
  p99Ms: number;
  /** Through one relay, which asks the first-ranked relay when it does not hold the file itself. */
  viaOneP50Ms: number;
  viaOneP99Ms: number;
}

/** Gets every capability once (after a warm-up of 5): the latencies in ms. */
async function timeGets(caps: readonly string[], transport: ShardTransport): Promise<number[]> {
  for (const cap of caps.slice(0, 5)) await getFile(cap, transport, () => {});
  const times: number[] = [];
  for (const cap of caps) {
    const t = performance.now();
    await getFile(cap, transport, () => {});
    times.push(performance.now() - t);
  }
  return times;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function smallAssetsSuite(
  tree: Tree,
  opts: { count: number; size?: number; replicas?: number },
): Promise<SmallAssetTimes> {
  const size = opts.size ?? 4096;
  const { identity } = await generateIdentity();
  const urls = tree.relays.map((r) => r.ready.url);
  const links: Link[] = [];
  try {
    // Stored through every relay in turn (the files are spread over the tree as many users would spread them).
    for (const url of urls) links.push(await connect(url, { identity }));
    const caps: string[] = [];
    for (let i = 0; i < opts.count; i++) {
      const link = links[i % links.length]!;
      const r = await putFile(
        [randomFillSync(new Uint8Array(size))],
        new ShardClient(link, { identity, now: Date.now }),
        { name: `a${i}.bin`, replicas: opts.replicas ?? 3 },
      );
      caps.push(r.capability);
    }
    // Fetched one at a time, first through relay 0 alone, then routed over the links the client already has.
    const viaOne = await timeGets(caps, new ShardClient(links[0]!));
    const byUrl = new Map(urls.map((u, i) => [u, links[i]!]));
    const routed = new RoutedTransport({
      entry: links[0]!,
      members: await routeMembers(urls[0]!),
      connect: async (url) => byUrl.get(url) ?? connect(url, { identity }),
    });
    const direct = await timeGets(caps, routed);
    if (routed.counts.direct === 0) throw new Error('the routed gets never reached a relay directly');
    return {
      count: caps.length,
      p50Ms: percentile(direct, 50),
      p99Ms: percentile(direct, 99),
      viaOneP50Ms: percentile(viaOne, 50),
      viaOneP99Ms: percentile(viaOne, 99),
    };
  } finally {
    for (const l of links) l.close(1000, 'done');
  }
}
