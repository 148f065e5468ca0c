// Suite: the swarming get over shaped links. Each relay sits behind its own userspace link (bench/shaped-link.ts:
// bandwidth and one-way delay), the client's own link is not limited (the issue's "hosts 100 Mbit/s, client
// 1 Gbit/s" case): where the network is the limit, pulling from every holder should beat one server's link.
import { join } from 'node:path';
import { MiB, startTree, tempDir, writeRandomFile } from './cluster.ts';
import { getLib, putLib } from './files.ts';
import { median } from './measure.ts';
import { startShapedLink, through, type ShapedLink } from './shaped-link.ts';

export interface SwarmOptions {
  readonly sizeMiB: number;
  readonly samples: number;
  readonly relays: number;
  /** Each relay's link, both ways. */
  readonly mbitPerSecond: number;
  /** One-way delay of each relay's link (RTT is twice this). */
  readonly delayMs: number;
}

export interface SwarmRates {
  readonly sizeMiB: number;
  /** One relay link's bandwidth in MiB/s: what a download from one server could reach at best. */
  readonly linkMiBs: number;
  /** Every link shaped alike: the get before swarming (first-ranked holder, window 4) and the swarming get. */
  readonly evenFirst: number;
  readonly evenSwarm: number;
  readonly evenBusiest: number;
  /** The same with one relay on a quarter of the bandwidth (a straggler). */
  readonly slowFirst: number;
  readonly slowSwarm: number;
}

async function shape(
  urls: readonly string[],
  bytesPerSecond: (i: number) => number,
  delayMs: number,
): Promise<Map<string, ShapedLink>> {
  const links = new Map<string, ShapedLink>();
  for (const [i, url] of urls.entries()) {
    const port = new URL(url).port;
    links.set(port, await startShapedLink(Number(port), { delayMs, bytesPerSecond: bytesPerSecond(i) }));
  }
  return links;
}

async function closeAll(links: Map<string, ShapedLink>): Promise<void> {
  await Promise.all([...links.values()].map((l) => l.close()));
}

export async function swarmSuite(opts: SwarmOptions): Promise<SwarmRates> {
  const tree = await startTree(opts.relays);
  const work = tempDir('swarm');
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const urls = tree.relays.map((r) => r.ready.url);
  const size = opts.sizeMiB * MiB;
  const bytesPerSecond = (opts.mbitPerSecond * 1e6) / 8;
  const mibs = (ms: number) => opts.sizeMiB / (ms / 1000);
  const file = join(work, 'in.bin');
  await writeRandomFile(file, size);
  // Stored over loopback, unshaped: this suite measures the get.
  const { capability } = await putLib(urls[0]!, file, 3, seed);

  const run = async (links: Map<string, ShapedLink>, firstHolderOnly: boolean, entry: string) => {
    const g = await getLib(entry, capability, firstHolderOnly, through(links));
    if (g.bytes !== size) throw new Error(`get returned ${g.bytes} bytes, expected ${size}`);
    return { rate: mibs(g.ms), busiest: g.busiestShare };
  };
  const samples = async (links: Map<string, ShapedLink>, firstHolderOnly: boolean) => {
    const rates: number[] = [];
    const busiest: number[] = [];
    for (let s = 0; s < opts.samples; s++) {
      // Entry relays in turn, so no relay's place in the ranking favours one variant.
      const r = await run(links, firstHolderOnly, urls[(s + 1) % urls.length]!);
      rates.push(r.rate);
      busiest.push(r.busiest);
    }
    return { rate: median(rates), busiest: median(busiest) };
  };

  const even = await shape(urls, () => bytesPerSecond, opts.delayMs);
  let evenFirst;
  let evenSwarm;
  try {
    await run(even, false, urls[1]!); // warm-up: links up, code compiled
    evenFirst = await samples(even, true);
    evenSwarm = await samples(even, false);
  } finally {
    await closeAll(even);
  }
  // The last relay gets a quarter of the bandwidth: a holder that answers slowly.
  const slow = await shape(urls, (i) => (i === urls.length - 1 ? bytesPerSecond / 4 : bytesPerSecond), opts.delayMs);
  let slowFirst;
  let slowSwarm;
  try {
    slowFirst = await samples(slow, true);
    slowSwarm = await samples(slow, false);
  } finally {
    await closeAll(slow);
  }
  return {
    sizeMiB: opts.sizeMiB,
    linkMiBs: bytesPerSecond / MiB,
    evenFirst: evenFirst.rate,
    evenSwarm: evenSwarm.rate,
    evenBusiest: evenSwarm.busiest,
    slowFirst: slowFirst.rate,
    slowSwarm: slowSwarm.rate,
  };
}
