// Suite 5: latency of getting many distinct small (4 KiB) encrypted files from a tree of relays, through one
// client link (the library, as the PWA does): p50 and p99 of the whole get (manifest + shard, verified).
import { randomFillSync } from 'node:crypto';
import { generateIdentity } from '../core/identity/index.ts';
import { getFile } from '../core/storage/get-file.ts';
import { putFile } from '../core/storage/put-file.ts';
import { LinkTransport } from '../node-relay/storage/link-transport.ts';
import { connect } from '../node-relay/ws/connector.ts';
import type { Link } from '../node-relay/ws/link.ts';
import type { Tree } from './cluster.ts';

export interface SmallAssetTimes {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function smallAssetsSuite(tree: Tree, opts: { count: number; size?: number; replicas?: number }): Promise<SmallAssetTimes> {
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
      const r = await putFile([randomFillSync(new Uint8Array(size))], new LinkTransport(link, { identity, now: Date.now }), { name: `a${i}.bin`, replicas: opts.replicas ?? 3 });
      caps.push(r.capability);
    }
    // Fetched through one relay, one at a time.
    const client = new LinkTransport(links[0]!);
    for (const cap of caps.slice(0, 5)) await getFile(cap, client, () => {}); // warm-up (files fetched again below)
    const times: number[] = [];
    for (const cap of caps) {
      const t = performance.now();
      await getFile(cap, client, () => {});
      times.push(performance.now() - t);
    }
    return { count: caps.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    for (const l of links) l.close(1000, 'done');
  }
}
