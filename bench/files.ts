// Suites 2 and 3: put and get of one large encrypted file on a 5-relay tree (replicas 3, real relay
// processes), through the CLI and through the library, in MiB/s.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { identityFromSeed } from '../core/identity/index.ts';
import { getFile } from '../core/storage/get-file.ts';
import { putFile } from '../core/storage/put-file.ts';
import { openRoutedTransport, routeMembers } from '../node-relay/storage/route-members.ts';
import { RoutedTransport, type RouteMember } from '../node-relay/storage/routed-transport.ts';
import { connect } from '../node-relay/ws/connector.ts';
import { lastLine, MiB, runCli, startTree, tempDir, writeRandomFile, type Tree } from './cluster.ts';
import { median } from './measure.ts';
import { traceGet, type GetTrace } from './get-trace.ts';
import { tracePut, type PutTrace } from './put-trace.ts';

export interface FileRates {
  sizeMiB: number;
  putCli: number;
  putLib: number;
  getCli: number;
  getLib: number;
  /** The get before swarming, in the same run: each shard from its first-ranked holder, 4 in flight. */
  getFirst: number;
  /** Share of the shards the busiest relay served in the swarming library get (1/relays is even). */
  busiestShare: number;
}

export interface FilesOptions {
  sizeMiB: number;
  samples: number;
  relays: number;
  replicas: number;
  /** An already running tree to use instead of starting one. */
  tree?: Tree;
}

/** `members`: the tree's member list when the caller has it (a WAN client cannot read it from the public status). */
export async function putLib(
  relayUrl: string,
  file: string,
  replicas: number,
  seed: Uint8Array,
  members?: readonly RouteMember[],
  trace = false,
): Promise<{ ms: number; capability: string; widestWindow: number; trace?: PutTrace }> {
  const identity = await identityFromSeed(seed);
  const link = await connect(relayUrl, { identity });
  // As the CLI does: each shard straight to the relay ranked first for it (the member list is read before timing).
  const owner = { identity, now: Date.now };
  const transport = members
    ? new RoutedTransport({
        entry: link,
        members,
        connect: (url, id) => connect(url, id ? { identity: id } : {}),
        owner,
      })
    : await openRoutedTransport(relayUrl, link, owner);
  // `trace`: where the put's fixed cost goes (bench/put-trace.ts).
  const t = trace ? tracePut(transport) : null;
  try {
    const start = performance.now();
    t?.start();
    // The widest adaptive window the put reached (RoutedTransport.putWindow), read as it goes.
    let widestWindow = 0;
    const onProgress = () => (widestWindow = Math.max(widestWindow, transport.putWindow()));
    const r = await putFile(createReadStream(file, { highWaterMark: MiB }), t?.transport ?? transport, {
      name: 'bench.bin',
      replicas,
      onProgress,
    });
    const ms = performance.now() - start;
    return { ms, capability: r.capability, widestWindow, ...(t ? { trace: t.finish() } : {}) };
  } finally {
    transport.close();
    link.close(1000, 'done');
  }
}

/**
 * A library get (what `peertree get` does, minus the disk). `firstHolderOnly`: the get as it was before swarming (each shard asked of its first-ranked holder,
 * a fixed window of 4), the baseline of the same run.
 */
export async function getLib(
  relayUrl: string,
  capability: string,
  firstHolderOnly = false,
  via: (url: string) => string = (url) => url,
  known?: readonly RouteMember[],
  trace = false,
): Promise<{ ms: number; bytes: number; busiestShare: number; hedged: number; trace?: GetTrace }> {
  // `via` maps a relay's URL to the one the client dials (a shaped link in front of it); the member list is read
  // directly, before timing (or given: `known`).
  const members = known ?? (await routeMembers(relayUrl));
  const link = await connect(via(relayUrl));
  const transport = new RoutedTransport({
    entry: link,
    members,
    connect: (url) => connect(via(url)),
    ...(firstHolderOnly ? { copies: 1 } : {}),
  });
  // `trace`: what held the get back (bench/get-trace.ts), at the cost of a timer beside it.
  const t = trace
    ? traceGet(
        transport,
        () => transport.holderStats(),
        () => transport.fetchedFrom,
      )
    : null;
  try {
    let bytes = 0;
    const start = performance.now();
    // Verified plaintext is counted and discarded: the library's own speed, without a disk write.
    await getFile(
      capability,
      t?.transport ?? transport,
      (b) => {
        bytes += b.length;
        t?.onWrite();
      },
      { ...(firstHolderOnly ? { concurrency: 4 } : {}), ...(t ? { onManifest: t.onManifest } : {}) },
    );
    const ms = performance.now() - start;
    const served = [...transport.fetchedFrom.values()];
    const total = served.reduce((a, b) => a + b, 0);
    return {
      ms,
      bytes,
      busiestShare: total === 0 ? 0 : Math.max(...served) / total,
      hedged: transport.counts.hedged,
      ...(t ? { trace: t.finish() } : {}),
    };
  } finally {
    transport.close();
    link.close(1000, 'done');
  }
}

export async function filesSuite(opts: FilesOptions): Promise<FileRates> {
  const tree = opts.tree ?? (await startTree(opts.relays));
  const work = tempDir('files');
  const home = join(work, 'home');
  const env = { PEERTREE_HOME: home };
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const size = opts.sizeMiB * MiB;
  const urls = tree.relays.map((r) => r.ready.url);
  const mibs = (ms: number) => opts.sizeMiB / (ms / 1000);

  // Warm-up: a small file each way, so that links between relays are up and code is compiled.
  const warm = join(work, 'warm.bin');
  await writeRandomFile(warm, Math.min(size, 16 * MiB));
  const w = await putLib(urls[0]!, warm, opts.replicas, seed);
  await getLib(urls[1 % urls.length]!, w.capability);

  const putCli: number[] = [];
  const putLibRates: number[] = [];
  const getCli: number[] = [];
  const getLibRates: number[] = [];
  const getFirstRates: number[] = [];
  const shares: number[] = [];
  for (let s = 0; s < opts.samples; s++) {
    // A new file per sample: identical bytes would be de-duplicated by the relays (public) or re-sent as is.
    const file = join(work, `in-${s}.bin`);
    await writeRandomFile(file, size);
    const entry = urls[s % urls.length]!;
    const exit = urls[(s + 2) % urls.length]!;

    const cli = await runCli(['put', file, '--relay', entry, '--replicas', String(opts.replicas)], env);
    if (cli.code !== 0) throw new Error(`put failed: ${cli.stderr}`);
    putCli.push(mibs(cli.ms));
    const capCli = lastLine(cli.stdout);

    const lib = await putLib(entry, file, opts.replicas, seed);
    putLibRates.push(mibs(lib.ms));

    const out = join(work, `out-${s}.bin`);
    const got = await runCli(['get', capCli, '--relay', exit, '-o', out], env);
    if (got.code !== 0) throw new Error(`get failed: ${got.stderr}`);
    getCli.push(mibs(got.ms));

    const g = await getLib(exit, lib.capability);
    if (g.bytes !== size) throw new Error(`library get returned ${g.bytes} bytes, expected ${size}`);
    getLibRates.push(mibs(g.ms));
    shares.push(g.busiestShare);
    const first = await getLib(exit, lib.capability, true);
    if (first.bytes !== size) throw new Error(`first-holder get returned ${first.bytes} bytes, expected ${size}`);
    getFirstRates.push(mibs(first.ms));
    await rm(file, { force: true });
    await rm(out, { force: true });
  }
  return {
    sizeMiB: opts.sizeMiB,
    putCli: median(putCli),
    putLib: median(putLibRates),
    getCli: median(getCli),
    getLib: median(getLibRates),
    getFirst: median(getFirstRates),
    busiestShare: median(shares),
  };
}
