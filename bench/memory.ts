// Suite 8 (relay and CLI parts): resident memory of a relay holding many small shards, and the peak RSS of
// the CLI putting and getting one large file.
import { createHash, randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { generateIdentity } from '../core/identity/index.ts';
import { LinkTransport } from '../node-relay/storage/link-transport.ts';
import { connect } from '../node-relay/ws/connector.ts';
import type { Link } from '../node-relay/ws/link.ts';
import { lastLine, MiB, rssOf, runCli, sleep, startRelay, status, tempDir, writeRandomFile } from './cluster.ts';

export interface MemoryFigures {
  shards: number;
  relayRss: number;
  storeRate: number;
  fileMiB: number;
  cliPutPeakRss: number;
  cliGetPeakRss: number;
}

/** Stores `count` distinct 64-byte shards (replicas 1) on one relay over several links; returns shards/s. */
async function fillRelay(url: string, count: number): Promise<number> {
  const { identity } = await generateIdentity();
  const links: Link[] = [];
  for (let i = 0; i < 4; i++) links.push(await connect(url, { identity }));
  try {
    const transports = links.map((l) => new LinkTransport(l));
    let next = 0;
    const t = performance.now();
    const worker = async (w: number) => {
      const bytes = new Uint8Array(64);
      while (next < count) {
        const i = next++;
        randomFillSync(bytes);
        bytes[0] = i & 0xff;
        const copy = bytes.slice();
        const hash = createHash('sha256').update(copy).digest('hex');
        await transports[w % transports.length]!.storeShard(hash, copy, 1);
      }
    };
    await Promise.all(Array.from({ length: 64 }, (_, w) => worker(w)));
    return count / ((performance.now() - t) / 1000);
  } finally {
    for (const l of links) l.close(1000, 'done');
  }
}

export async function memorySuite(opts: { shards: number; fileMiB: number }): Promise<MemoryFigures> {
  const relay = await startRelay(tempDir('memory'));
  try {
    const storeRate = await fillRelay(relay.ready.url, opts.shards);
    const s = (await status(relay.ready.url)) as { shards: number } | null;
    if (!s || s.shards < opts.shards) throw new Error(`relay holds ${s?.shards} shards, expected ${opts.shards}`);
    await sleep(1_000); // let the links close and short-lived garbage go
    const relayRss = rssOf(relay.ready.pid) ?? Number.NaN;

    const work = tempDir('memory-cli');
    const env = { PEERTREE_HOME: join(work, 'home') };
    const file = join(work, 'big.bin');
    await writeRandomFile(file, opts.fileMiB * MiB);
    const put = await runCli(['put', file, '--relay', relay.ready.url, '--replicas', '1'], env, 900_000);
    if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
    const get = await runCli(['get', lastLine(put.stdout), '--relay', relay.ready.url, '-o', join(work, 'out.bin')], env, 900_000);
    if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
    return {
      shards: s.shards,
      relayRss,
      storeRate,
      fileMiB: opts.fileMiB,
      cliPutPeakRss: put.peakRss ?? Number.NaN,
      cliGetPeakRss: get.peakRss ?? Number.NaN,
    };
  } finally {
    relay.proc.kill('SIGKILL');
  }
}
