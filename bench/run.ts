// `npm run bench [-- --quick] [-- --only a,b]`: runs every suite, prints a table and writes
// bench/results/latest.json. Every comparison is made within this run; every process a suite starts is killed
// and every temp dir removed at the end, whatever happens.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSuite } from './browser.ts';
import { gallerySuite } from './gallery.ts';
import { streamSuite } from './stream.ts';
import { cleanup, MiB } from './cluster.ts';
import { cryptoWireSuite } from './crypto-wire.ts';
import type { FileRates } from './files.ts';
import type { HeliaRates } from './helia.ts';
import { inChild } from './in-child.ts';
import type { Limits } from './limits.ts';
import { printTable, result, type BenchResult } from './measure.ts';
import { memorySuite } from './memory.ts';
import { placementSuite } from './placement.ts';
import type { SmallAssetTimes } from './small-assets.ts';
import { swarmSuite } from './swarm.ts';
import { putLinkSuite } from './put-link.ts';
import { s3Suite } from './s3.ts';
import type { TreeTimes } from './tree.ts';
import { wanSkipReason, wanSuite } from './wan/suite.ts';
import { tuneProcess } from '../node-relay/process-tuning.ts';

// The library side of the swarm, put-link and S3 suites runs in this process: tune it as the CLI is tuned (the
// suites run in processes of their own tune themselves: bench/suite-child.ts).
await tuneProcess();

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
/** Where to write the results (default bench/results/latest.json); the CI test writes elsewhere. */
const outArg = args.find((a) => a.startsWith('--out='))?.slice('--out='.length);
const wanted = (suite: string) => only === null || only.has(suite);
const numberArg = (name: string, fallback: number): number => {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? fallback : Number(v);
};
/** The WAN suite (root only) runs only when asked for (`--wan`), and never in --quick. */
const wan = args.includes('--wan') && !quick;
if (quick && args.includes('--wan')) process.stderr.write('bench: wan not run: --quick never builds namespaces\n');

/** Sizes: the issue's figures for a full run; small ones for CI (`--quick` only checks that everything runs). */
const P = quick
  ? {
      fileMiB: 4,
      samples: 2,
      heliaMiB: 4,
      blocks: 3,
      assets: 20,
      treeRelays: 5,
      broadcasts: 2,
      messages: 500,
      shards: 500,
      cliMiB: 8,
      browserMiB: 4,
      swarmMiB: 4,
      galleryItems: 100,
      galleryPhotos: 3,
      galleryScrollMs: 1_000,
      streamPieceSeconds: 1,
      streamCopies: 2,
      streamPlayMs: 300,
    }
  : {
      fileMiB: 256,
      samples: 3,
      heliaMiB: 256,
      blocks: 20,
      assets: 200,
      treeRelays: 30,
      broadcasts: 5,
      messages: 10_000,
      shards: 100_000,
      cliMiB: 1024,
      browserMiB: 200,
      swarmMiB: 64,
      galleryItems: 2_000,
      galleryPhotos: 12,
      galleryScrollMs: 8_000,
      // 10 s at 40 Mbit/s is ≈ 45 MiB: 12 copies make a video of ≈ 514 MiB, 2 minutes long.
      streamPieceSeconds: 10,
      streamCopies: 12,
      streamPlayMs: 3_000,
    };

const results: BenchResult[] = [];
const errors: string[] = [];
/** Suites asked for but not run here, with why (e.g. the WAN suite without root). */
const skipped: string[] = [];
const MiBs = 'MiB/s';

async function suite(name: string, body: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  const t = performance.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    await body();
  } catch (err) {
    errors.push(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.stderr.write(`bench: ${name} failed: ${String(err)}\n`);
  } finally {
    cleanup();
    process.stderr.write(`bench: ${name} took ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
}

const onSignal = () => {
  cleanup();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  // 1. Limits of this run: everything below is read against them.
  const { results: limitResults, limits } = await inChild<{ results: BenchResult[]; limits: Limits }>('limits', {
    quick,
  });
  results.push(...limitResults);
  const serial = { name: 'serial limit 1/(1/TLS+1/SHA+1/AES)', value: limits.serialMiBs };
  const verify = { name: 'Ed25519 verify (WebCrypto)', value: limits.verifyPerSec };

  await suite('crypto-wire', async () => {
    results.push(...(await cryptoWireSuite(quick)));
  });

  await suite('placement', async () => {
    results.push(...placementSuite(quick));
  });

  // 4. Helia first, so that PeerTree's figures can be set beside it.
  let helia: HeliaRates | null = null;
  await suite('helia', async () => {
    helia = await inChild<HeliaRates>('helia', { sizeMiB: P.heliaMiB, samples: P.samples, blocks: P.blocks });
    const h: HeliaRates = helia;
    results.push(result(`helia: addBytes ${h.sizeMiB} MiB (in memory)`, h.add, MiBs, 'higher'));
    results.push(
      result(`helia: cat ${h.sizeMiB} MiB from the other node`, h.fetch, MiBs, 'higher', {
        name: 'TLS loopback',
        value: limits.tlsMiBs,
      }),
    );
    results.push(result(`helia: add then fetch ${h.sizeMiB} MiB`, h.addThenFetch, MiBs, 'higher'));
    results.push(result('helia: single 1 MiB block fetch', h.block1MiBMs, 'ms', 'lower'));
    results.push(
      result('helia: single 4 KiB block fetch', h.block4KiBMs, 'ms', 'lower', {
        name: 'TLS round trip',
        value: limits.tlsRoundTripMs,
      }),
    );
  });
  const h = helia as HeliaRates | null;

  // 2 and 3. Get and put of one large encrypted file on 5 relays, replicas 3.
  await suite('files', async () => {
    const f = await inChild<FileRates>('files', { sizeMiB: P.fileMiB, samples: P.samples, relays: 5, replicas: 3 });
    const fetch = h ? { name: 'helia cat', value: h.fetch } : null;
    const addFetch = h ? { name: 'helia add then fetch', value: h.addThenFetch } : null;
    const tag = `${f.sizeMiB} MiB, 5 relays, replicas 3`;
    results.push(result(`get ${tag} (library)`, f.getLib, MiBs, 'higher', fetch ?? undefined));
    results.push(result(`get ${tag} (library) vs serial limit`, f.getLib, MiBs, 'higher', serial));
    results.push(result(`get ${tag} (library, first holder, window 4: before swarming)`, f.getFirst, MiBs, 'higher'));
    results.push(
      result(`get ${tag} (library, swarming) vs first-holder get`, f.getLib, MiBs, 'higher', {
        name: 'first-holder get',
        value: f.getFirst,
      }),
    );
    results.push(
      result(`get ${tag}: busiest relay's share of shards (swarming; 0.2 is even)`, f.busiestShare, 'ratio', 'lower'),
    );
    results.push(result(`get ${tag} (CLI)`, f.getCli, MiBs, 'higher', fetch ?? undefined));
    results.push(result(`get ${tag} (CLI) vs serial limit`, f.getCli, MiBs, 'higher', serial));
    results.push(result(`put ${tag} (library)`, f.putLib, MiBs, 'higher', addFetch ?? undefined));
    results.push(result(`put ${tag} (CLI)`, f.putCli, MiBs, 'higher', addFetch ?? undefined));
  });

  // The S3 gateway (aws s3 cp through `peertree s3`) beside `peertree put/get` of the same size, same tree.
  await suite('s3', async () => {
    const g = await s3Suite({ sizeMiB: P.fileMiB, samples: P.samples });
    const tag = `${g.sizeMiB} MiB, 3 relays, replicas 3`;
    results.push(
      result(`s3 gateway: put ${tag} (aws s3 cp)`, g.putGateway, MiBs, 'higher', {
        name: 'peertree put',
        value: g.putCli,
      }),
    );
    results.push(
      result(`s3 gateway: get ${tag} (aws s3 cp)`, g.getGateway, MiBs, 'higher', {
        name: 'peertree get',
        value: g.getCli,
      }),
    );
    results.push(
      result(
        `memory: S3 gateway peak RSS after put and get of ${g.sizeMiB} MiB`,
        g.gatewayPeakRss / MiB,
        'MiB',
        'lower',
        { name: 'goal', value: 200 },
      ),
    );
  });

  // The swarming get where links, not CPU, are the limit: 5 relays each behind 100 Mbit/s, 20 ms one way.
  await suite('swarm', async () => {
    const w = await swarmSuite({ sizeMiB: P.swarmMiB, samples: P.samples, relays: 5, mbitPerSecond: 100, delayMs: 20 });
    const tag = `${w.sizeMiB} MiB, 5 relays each on 100 Mbit/s and 40 ms RTT`;
    const link = { name: 'one relay link', value: w.linkMiBs };
    results.push(result(`swarm: get ${tag}, first holder, window 4 (before)`, w.evenFirst, MiBs, 'higher', link));
    results.push(result(`swarm: get ${tag}, swarming`, w.evenSwarm, MiBs, 'higher', link));
    results.push(
      result(`swarm: get ${tag}, swarming vs first holder`, w.evenSwarm, MiBs, 'higher', {
        name: 'first-holder get',
        value: w.evenFirst,
      }),
    );
    results.push(result(`swarm: busiest relay's share of shards (0.2 is even)`, w.evenBusiest, 'ratio', 'lower'));
    const slowTag = `${w.sizeMiB} MiB, one of the 5 relays on 25 Mbit/s`;
    results.push(result(`swarm: get ${slowTag}, first holder, window 4 (before)`, w.slowFirst, MiBs, 'higher', link));
    results.push(
      result(`swarm: get ${slowTag}, swarming vs first holder`, w.slowSwarm, MiBs, 'higher', {
        name: 'first-holder get',
        value: w.slowFirst,
      }),
    );
  });

  // A put over the client's own 100 Mbit/s, 40 ms link (shared by its connections to 5 relays).
  await suite('put-link', async () => {
    const p = await putLinkSuite({
      sizeMiB: P.swarmMiB,
      samples: P.samples,
      relays: 5,
      mbitPerSecond: 100,
      delayMs: 20,
    });
    const tag = `${p.sizeMiB} MiB, replicas 3, client link 100 Mbit/s and 40 ms RTT`;
    const upload = { name: 'one TLS upload of the file on that link', value: p.tlsUpload };
    results.push(
      result(`put-link: one TLS upload of the file (the baseline)`, p.tlsUpload, MiBs, 'higher', {
        name: 'link bandwidth',
        value: p.linkMiBs,
      }),
    );
    results.push(result(`put-link: put ${tag}, window 4 (before)`, p.fixed4, MiBs, 'higher', upload));
    results.push(result(`put-link: put ${tag}, adaptive window`, p.adaptive, MiBs, 'higher', upload));
    results.push(
      result(`put-link: adaptive put vs window 4`, p.adaptive, MiBs, 'higher', {
        name: 'window-4 put',
        value: p.fixed4,
      }),
    );
    results.push(result(`put-link: widest adaptive put window (shards)`, p.adaptiveWindow, 'shards', 'higher'));
  });

  // PeerTree over a shaped network of namespaces beside one HTTPS transfer of the same file (bench/wan/suite.ts).
  const skipWan = wan && wanted('wan') ? wanSkipReason() : null;
  if (skipWan) {
    process.stderr.write(`bench: wan skipped: ${skipWan}\n`);
    skipped.push(`wan: ${skipWan}`);
  } else if (wan) {
    await suite('wan', async () => {
      const o = {
        sizeMiB: numberArg('wan-mib', 64),
        samples: numberArg('wan-samples', P.samples),
        relays: numberArg('wan-relays', 5),
        replicas: 3,
        relayBits: numberArg('wan-mbit', 100) * 1e6,
        clientBits: numberArg('wan-client-mbit', numberArg('wan-mbit', 100)) * 1e6,
        rttMs: numberArg('wan-rtt', 40),
        lossPercent: numberArg('wan-loss', 0),
      };
      const w = await wanSuite(o);
      process.stderr.write(`bench: wan delayer counters ${w.delayer}\n`);
      const link = `${o.relayBits / 1e6} Mbit/s${o.clientBits !== o.relayBits ? ` (client ${o.clientBits / 1e6})` : ''}, ${o.rttMs} ms RTT${o.lossPercent > 0 ? `, ${o.lossPercent} % loss` : ''}`;
      const tag = `${w.sizeMiB} MiB, ${o.relays} relays in namespaces, ${link}`;
      const linkMiBs = { name: 'client link bandwidth', value: o.clientBits / 8 / MiB };
      const down = { name: 'one HTTPS download of the file', value: w.httpsGet };
      const up = { name: 'one HTTPS upload of the file', value: w.httpsPut };
      results.push(result(`wan: HTTPS download ${tag} (the baseline)`, w.httpsGet, MiBs, 'higher', linkMiBs));
      results.push(result(`wan: HTTPS upload ${tag} (the baseline)`, w.httpsPut, MiBs, 'higher', linkMiBs));
      results.push(
        result(
          `wan: get ${tag}, replicas 3, through the entry relay only (no member list)`,
          w.getEntry,
          MiBs,
          'higher',
          down,
        ),
      );
      results.push(
        result(
          `wan: put ${tag}, replicas 3, through the entry relay only (no member list)`,
          w.putEntry,
          MiBs,
          'higher',
          up,
        ),
      );
      results.push(
        result(
          `wan: HTTPS download ${tag}, a slice from beside every relay at once`,
          w.httpsSpread,
          MiBs,
          'higher',
          down,
        ),
      );
      results.push(
        result(`wan: get ${tag}, replicas 3, routed by the public member list (swarming)`, w.get, MiBs, 'higher', down),
      );
      results.push(
        result(
          `wan: swarming get against the spread HTTPS download (the network's limit here)`,
          w.get,
          MiBs,
          'higher',
          {
            name: 'HTTPS slices from every relay at once',
            value: w.httpsSpread,
          },
        ),
      );
      results.push(
        result(`wan: put ${tag}, replicas 3, routed by the public member list (direct)`, w.put, MiBs, 'higher', up),
      );
      results.push(
        result(
          `wan: put through the entry relay, busiest relay uplink (copies of the file)`,
          w.busiestUplinkEntry,
          'copies',
          'lower',
        ),
      );
      results.push(
        result(
          `wan: put with the member list, busiest relay uplink (copies of the file)`,
          w.busiestUplink,
          'copies',
          'lower',
        ),
      );
      results.push(result(`wan: put through the entry relay, widest put window`, w.windowEntry, 'shards', 'higher'));
      results.push(result(`wan: put with the member list, widest put window`, w.window, 'shards', 'higher'));
      results.push(
        result(
          `wan: swarming get, busiest relay's share of shards (${(1 / o.relays).toFixed(2)} is even)`,
          w.busiestShare,
          'ratio',
          'lower',
        ),
      );
    });
  }

  // 6. Messages through one relay.
  await suite('messages', async () => {
    const rate = await inChild<number>('messages', { count: P.messages, samples: P.samples });
    results.push(result('signed requests through one relay (4 links × 32 in flight)', rate, 'msg/s', 'higher', verify));
  });

  // 7 and 5. The tree (join, broadcast, heal) and, on the complete tree, small-asset latency.
  await suite('tree', async () => {
    // The small-asset gets run on the complete tree, inside the tree suite's process (bench/suite-child.ts).
    const { tree: t, small } = await inChild<{ tree: TreeTimes; small: SmallAssetTimes | null }>('tree', {
      relays: P.treeRelays,
      broadcasts: P.broadcasts,
      assets: P.assets,
    });
    const n = t.relays;
    results.push(result(`tree: ${n} relays join (all at once)`, t.joinMs / 1000, 's', 'lower'));
    results.push(result(`tree: broadcast reaches all ${n} relays`, t.broadcastMs, 'ms', 'lower'));
    const goal = { name: 'heartbeat timeout + 2 s', value: t.healGoalMs / 1000 };
    results.push(result(`tree: heal after kill -9 of a middle relay`, t.healMiddleMs / 1000, 's', 'lower', goal));
    results.push(result(`tree: heal after kill -9 of the root`, t.healRootMs / 1000, 's', 'lower', goal));
    const s = small as SmallAssetTimes | null;
    if (s) {
      const tag = `${s.count} distinct 4 KiB gets, ${n} relays`;
      results.push(result(`small assets: p50 of ${tag}`, s.p50Ms, 'ms', 'lower', { name: 'goal 2 ms', value: 2 }));
      if (h)
        results.push(
          result(`small assets: p50 vs helia 4 KiB block`, s.p50Ms, 'ms', 'lower', {
            name: 'helia single 4 KiB block fetch',
            value: h.block4KiBMs,
          }),
        );
      if (h)
        results.push(
          result(`small assets: p50 vs helia 1 MiB block`, s.p50Ms, 'ms', 'lower', {
            name: 'helia single 1 MiB block fetch',
            value: h.block1MiBMs,
          }),
        );
      results.push(result(`small assets: p99 of ${tag}`, s.p99Ms, 'ms', 'lower'));
      results.push(
        result(`small assets through one relay: p50 of ${tag}`, s.viaOneP50Ms, 'ms', 'lower', {
          name: 'goal 2 ms',
          value: 2,
        }),
      );
      results.push(result(`small assets through one relay: p99 of ${tag}`, s.viaOneP99Ms, 'ms', 'lower'));
      results.push(
        result(`small assets: p50 vs TLS round trip`, s.p50Ms, 'ms', 'lower', {
          name: 'TLS round trip',
          value: limits.tlsRoundTripMs,
        }),
      );
    }
  });

  // 8. Memory.
  await suite('memory', async () => {
    const m = await memorySuite({ shards: P.shards, fileMiB: P.cliMiB });
    results.push(
      result(`memory: relay RSS holding ${m.shards} small shards`, m.relayRss / MiB, 'MiB', 'lower', {
        name: 'goal',
        value: 200,
      }),
    );
    results.push(result(`memory: small shards stored (replicas 1)`, m.storeRate, 'shards/s', 'higher'));
    results.push(
      result(`memory: CLI peak RSS, put ${m.fileMiB} MiB`, m.cliPutPeakRss / MiB, 'MiB', 'lower', {
        name: 'goal',
        value: 150,
      }),
    );
    results.push(
      result(`memory: CLI peak RSS, get ${m.fileMiB} MiB`, m.cliGetPeakRss / MiB, 'MiB', 'lower', {
        name: 'goal',
        value: 150,
      }),
    );
  });

  // The gallery with thousands of photos (issue #17): first paint, scroll frames, DOM rows, heap.
  await suite('gallery', async () => {
    const g = await gallerySuite({ items: P.galleryItems, photos: P.galleryPhotos, scrollMs: P.galleryScrollMs });
    const frame = { name: 'one 60 Hz frame', value: 1000 / 60 };
    results.push(result(`gallery: first rows shown, ${g.items} items (from navigation)`, g.firstRowsMs, 'ms', 'lower'));
    results.push(result(`gallery: first 12 thumbnails shown, ${g.items} items`, g.firstThumbsMs, 'ms', 'lower'));
    results.push(result(`gallery: scroll frame p50, ${g.items} items`, g.frameP50, 'ms', 'lower', frame));
    results.push(result(`gallery: scroll frame p95, ${g.items} items`, g.frameP95, 'ms', 'lower', frame));
    results.push(result(`gallery: longest scroll frame, ${g.items} items`, g.frameMax, 'ms', 'lower'));
    results.push(result(`gallery: scroll frames over 50 ms, ${g.items} items`, g.longFrames, 'frames', 'lower'));
    results.push(
      result(`gallery: most file rows in the DOM while scrolling ${g.items} items`, g.domRowsMax, 'rows', 'lower', {
        name: 'items',
        value: g.items,
      }),
    );
    results.push(result(`gallery: JS heap after first paint, ${g.items} items`, g.heapAfterLoad / MiB, 'MiB', 'lower'));
    results.push(result(`gallery: JS heap peak while scrolling, ${g.items} items`, g.heapPeak / MiB, 'MiB', 'lower'));
  });

  // An encrypted video that streams (issue #17): time to first frame, seeks, heap of page and service worker.
  await suite('stream', async () => {
    const v = await streamSuite({ pieceSeconds: P.streamPieceSeconds, copies: P.streamCopies, playMs: P.streamPlayMs });
    const size = `${Math.round(v.videoBytes / MiB)} MiB video`;
    const whole = { name: 'video size', value: v.videoBytes / MiB };
    results.push(result(`stream: first frame after opening the link, ${size}`, v.firstFrameMs, 'ms', 'lower'));
    results.push(result(`stream: seek to a new point, median of 5, ${size}`, v.seekP50Ms, 'ms', 'lower'));
    results.push(result(`stream: slowest of 5 seeks, ${size}`, v.seekMaxMs, 'ms', 'lower'));
    results.push(result(`stream: page JS heap peak while playing, ${size}`, v.pageHeapPeak / MiB, 'MiB', 'lower'));
    results.push(
      result(`stream: service worker JS heap peak while playing, ${size}`, v.workerHeapPeak / MiB, 'MiB', 'lower'),
    );
    results.push(result(`stream: bytes that came to the device, ${size}`, v.cachedBytes / MiB, 'MiB', 'lower', whole));
  });

  await suite('browser', async () => {
    const b = await browserSuite({ sizeMiB: P.browserMiB });
    results.push(result(`memory: browser JS heap growth storing ${b.sizeMiB} MiB`, b.heapGrowth / MiB, 'MiB', 'lower'));
    results.push(result(`memory: browser JS heap peak storing ${b.sizeMiB} MiB`, b.heapPeak / MiB, 'MiB', 'lower'));
  });
} finally {
  cleanup();
}

printTable(results);
const out = outArg ? resolve(outArg) : fileURLToPath(new URL('./results/latest.json', import.meta.url));
mkdirSync(dirname(out), { recursive: true });
const doc = { date: new Date().toISOString(), node: process.version, quick, results, errors, skipped };
writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
console.log(`\nwrote ${out} (${results.length} results)`);
if (errors.length > 0) {
  console.error(`\n${errors.length} suite(s) failed:\n${errors.join('\n')}`);
  process.exitCode = 1;
}
