// Suite 4: Helia (IPFS) in the same run, as the comparison. Two Helia nodes in this process, connected over
// loopback TCP, with every discovery and outside dial off: no bootstrap list, no mDNS, no DHT, no autoNAT,
// no UPnP, no delegated HTTP routing or gateways (the light Helia core plus libp2p and bitswap only). A
// connection gater records and refuses every dial to a non-loopback address; the suite fails if there is one.
//
// Helia 7 declares Node ≥ 22. On Node 20 it runs with an npm override pinning `undici` to 7.30.2 (see
// package.json) and the `Promise.withResolvers` polyfill below.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight } from '@helia/libp2p';
import { unixfs } from '@helia/unixfs';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createHeliaLight } from 'helia';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { randomFillSync } from 'node:crypto';
import { MiB } from './cluster.ts';
import { median } from './measure.ts';

/** Node 20 lacks Promise.withResolvers (Node 22 has it); libp2p uses it. */
function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export interface HeliaRates {
  sizeMiB: number;
  /** addBytes on A (in memory): MiB/s. */
  add: number;
  /** cat on B of the file A added: MiB/s. */
  fetch: number;
  /** The same file added then fetched, end to end: MiB/s. */
  addThenFetch: number;
  /** Median ms to fetch one 1 MiB raw block that B does not have. */
  block1MiBMs: number;
  /** Median ms to fetch one 4 KiB raw block that B does not have. */
  block4KiBMs: number;
  /** Remote addresses B and A were connected to (all loopback). */
  remotes: string[];
}

function isLoopback(ma: Multiaddr): boolean {
  const text = ma.toString();
  return /^\/ip4\/127\.\d+\.\d+\.\d+\//.test(text) || text.startsWith('/ip6/::1/');
}

async function makeNode(refused: string[]) {
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ start: false } as Parameters<typeof createHeliaLight>[0]), {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() },
      connectionGater: {
        denyDialMultiaddr: (ma: Multiaddr) => {
          if (isLoopback(ma)) return false;
          refused.push(ma.toString());
          return true;
        },
      },
    }),
  );
  await helia.start();
  return helia;
}

async function catAll(fs: ReturnType<typeof unixfs>, cid: CID, timeoutMs: number): Promise<number> {
  let n = 0;
  for await (const chunk of fs.cat(cid, { signal: AbortSignal.timeout(timeoutMs) })) n += chunk.length;
  return n;
}

export async function heliaSuite(opts: { sizeMiB: number; samples: number; blocks: number }): Promise<HeliaRates> {
  polyfillWithResolvers();
  const refused: string[] = [];
  const a = await makeNode(refused);
  const b = await makeNode(refused);
  try {
    const addrs = a.libp2p.getMultiaddrs();
    if (addrs.length === 0 || !addrs.every(isLoopback))
      throw new Error(`helia A listens on non-loopback addresses: ${addrs.join(', ')}`);
    await b.libp2p.dial(addrs[0]!, { signal: AbortSignal.timeout(10_000) });
    const fsA = unixfs(a);
    const fsB = unixfs(b);
    const size = opts.sizeMiB * MiB;

    // Warm-up: one small file both ways.
    const warm = randomFillSync(new Uint8Array(MiB));
    await catAll(fsB, await fsA.addBytes(warm), 30_000);

    const adds: number[] = [];
    const fetches: number[] = [];
    const both: number[] = [];
    const bytes = new Uint8Array(size);
    for (let s = 0; s < opts.samples; s++) {
      // Fresh content per sample (B keeps what it fetched).
      randomFillSync(bytes);
      let t = performance.now();
      const cid = await fsA.addBytes(bytes);
      const addMs = performance.now() - t;
      t = performance.now();
      const n = await catAll(fsB, cid, 600_000);
      const fetchMs = performance.now() - t;
      if (n !== size) throw new Error(`helia cat returned ${n} bytes, expected ${size}`);
      adds.push(opts.sizeMiB / (addMs / 1000));
      fetches.push(opts.sizeMiB / (fetchMs / 1000));
      both.push(opts.sizeMiB / ((addMs + fetchMs) / 1000));
    }

    // Single-block fetches: a raw block put on A, fetched by B (B never had it).
    const blockTimes = async (blockSize: number): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < opts.blocks + 2; i++) {
        const data = randomFillSync(new Uint8Array(blockSize));
        const cid = CID.create(1, raw.code, await sha256.digest(data));
        await a.blockstore.put(cid, data);
        const t = performance.now();
        const n = await catAll(fsB, cid, 30_000);
        if (n !== blockSize) throw new Error(`helia block fetch returned ${n} bytes`);
        if (i >= 2) times.push(performance.now() - t); // the first two are warm-up
      }
      return median(times);
    };
    const block1MiBMs = await blockTimes(MiB);
    const block4KiBMs = await blockTimes(4096);

    const remotes = [...a.libp2p.getConnections(), ...b.libp2p.getConnections()].map((c) => c.remoteAddr);
    if (!remotes.every(isLoopback)) throw new Error(`helia connected to non-loopback addresses: ${remotes.join(', ')}`);
    if (refused.length > 0)
      throw new Error(`helia tried to dial non-loopback addresses: ${refused.slice(0, 5).join(', ')}`);
    return {
      sizeMiB: opts.sizeMiB,
      add: median(adds),
      fetch: median(fetches),
      addThenFetch: median(both),
      block1MiBMs,
      block4KiBMs,
      remotes: remotes.map(String),
    };
  } finally {
    await Promise.allSettled([a.stop(), b.stop()]);
  }
}
