// Suite 8 (relay and CLI parts): resident memory of a relay holding many small shards, and the peak RSS of
// the CLI putting and getting one large file.
//
// The CLI part alone (no 100,000-shard fill, a few minutes shorter), e.g. while working on the CLI's memory:
//   node scripts/build-cli.js && node bin/run-ts.js bench/memory.ts --cli-only [--mib=1024] [--runs=3]
// prints, per run, the peak RSS of put and get (and the start time and peak RSS of `peertree status`).
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity, type Identity } from '../core/identity/index.ts';
import { ShardClient } from '../core/protocol/shard-client.ts';
import { connect } from '../node-relay/ws/connector.ts';
import type { Link } from '../node-relay/ws/link.ts';
import {
  cleanup,
  lastLine,
  MiB,
  REPO,
  rssOf,
  runCli,
  sleep,
  startRelay,
  status,
  tempDir,
  writeRandomFile,
} from './cluster.ts';

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
  // One key per link: a relay keeps at most MAX_REPLAY_ENTRIES_PER_SENDER message ids of one key inside the replay
  // window and refuses that key's frames beyond it, so a single key could not send 100,000 stores in one run.
  const links: { link: Link; identity: Identity }[] = [];
  for (let i = 0; i < 4; i++) {
    const { identity } = await generateIdentity();
    links.push({ link: await connect(url, { identity }), identity });
  }
  try {
    const transports = links.map(({ link, identity }) => new ShardClient(link, { identity, now: Date.now }));
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
    for (const { link } of links) link.close(1000, 'done');
  }
}

export async function memorySuite(opts: { shards: number; fileMiB: number }): Promise<MemoryFigures> {
  // One key fills the relay as fast as it takes shards: lift the per-key rate limit (500 msg/s by default), as
  // the messages suite does; this suite measures memory, not the limiter.
  const relay = await startRelay(tempDir('memory'), ['--rate-limit', '1000000']);
  try {
    const storeRate = await fillRelay(relay.ready.url, opts.shards);
    const s = (await status(relay.ready.url)) as { shards: number } | null;
    if (!s || s.shards < opts.shards) throw new Error(`relay holds ${s?.shards} shards, expected ${opts.shards}`);
    await sleep(1_000); // let the links close and short-lived garbage go
    const relayRss = rssOf(relay.ready.pid) ?? Number.NaN;

    const cli = await cliPeakRss(relay.ready.url, opts.fileMiB);
    return {
      shards: s.shards,
      relayRss,
      storeRate,
      fileMiB: opts.fileMiB,
      cliPutPeakRss: cli.put,
      cliGetPeakRss: cli.get,
    };
  } finally {
    relay.proc.kill('SIGKILL');
  }
}

/** Peak RSS (bytes; NaN without /usr/bin/time) of `peertree put` (replicas 1) and `get` of one new random file. */
export async function cliPeakRss(
  url: string,
  fileMiB: number,
): Promise<{ put: number; get: number; putMs: number; getMs: number }> {
  const work = tempDir('memory-cli');
  // Measure the compiled CLI of the sources as they are now: build it here (a source edited since `npm run
  // bench` started would otherwise make bin/peertree.js fall back to the TypeScript sources, ≈ 30 MiB more),
  // and have bin/peertree.js fail rather than fall back if a source changes during the runs.
  const build = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-cli.js')], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (build.status !== 0) throw new Error(`CLI build failed: ${build.stderr}`);
  const env = { PEERTREE_HOME: join(work, 'home'), PEERTREE_CLI: 'bundle' };
  const file = join(work, 'big.bin');
  await writeRandomFile(file, fileMiB * MiB);
  const put = await runCli(['put', file, '--relay', url, '--replicas', '1'], env, 900_000);
  if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
  const get = await runCli(['get', lastLine(put.stdout), '--relay', url, '-o', join(work, 'out.bin')], env, 900_000);
  if (get.code !== 0) throw new Error(`get failed: ${get.stderr}`);
  return { put: put.peakRss ?? Number.NaN, get: get.peakRss ?? Number.NaN, putMs: put.ms, getMs: get.ms };
}

async function cliOnly(args: string[]): Promise<void> {
  const num = (name: string, fallback: number) => {
    const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const fileMiB = num('mib', 1024);
  const runs = num('runs', 1);
  const mib = (b: number) => (b / MiB).toFixed(1);
  const started = performance.now();
  const relay = await startRelay(tempDir('memory-relay'));
  console.log(
    `relay: ready in ${(performance.now() - started).toFixed(0)} ms, RSS ${mib(rssOf(relay.ready.pid) ?? Number.NaN)} MiB`,
  );
  try {
    for (let i = 0; i < runs; i++) {
      const st = await runCli(['status', '--relay', relay.ready.url], { PEERTREE_CLI: 'bundle' }, 60_000);
      if (st.code !== 0) throw new Error(`status failed: ${st.stderr}`);
      const r = await cliPeakRss(relay.ready.url, fileMiB);
      console.log(
        `run ${i + 1}: status ${st.ms.toFixed(0)} ms, peak ${mib(st.peakRss ?? Number.NaN)} MiB; put ${fileMiB} MiB peak ${mib(r.put)} MiB (${(r.putMs / 1000).toFixed(1)} s); get peak ${mib(r.get)} MiB (${(r.getMs / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    relay.proc.kill('SIGKILL');
    cleanup();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (!args.includes('--cli-only')) {
    console.error(
      'usage: node bin/run-ts.js bench/memory.ts --cli-only [--mib=N] [--runs=N]   (the full suite: npm run bench -- --only=memory)',
    );
    process.exit(2);
  }
  await cliOnly(args);
}
