// Suite: a put over the client's own slow link. Every connection of the client (to each of 5 relays) goes through
// one shared userspace link (bench/shaped-link.ts: 100 Mbit/s each way, 20 ms one way), as a laptop's uplink is
// shared by all its connections; relays reach each other on loopback. Beside it, in the same run, one TLS upload
// of the same file through the same link: what one HTTPS transfer of the file reaches at best.
//
// What it shows: a put acknowledged only when every copy is durable waits a round trip plus the relays' own
// copying and fsync for each shard; with a fixed window of 4 shards the link idles meanwhile (issue #20, "put ≥
// 0.9× of one HTTPS transfer"). The adaptive window (RoutedTransport.putWindow) sizes itself to keep it busy.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { generate } from 'selfsigned';
import { identityFromSeed } from '../core/identity/index.ts';
import { putFile } from '../core/storage/put-file.ts';
import { connect } from '../node-relay/ws/connector.ts';
import { RoutedTransport } from '../node-relay/storage/routed-transport.ts';
import { routeMembers } from '../node-relay/storage/route-members.ts';
import { MiB, startTree, tempDir, writeRandomFile } from './cluster.ts';
import { median } from './measure.ts';
import { sharedLanes, startShapedLink, through, type ShapedLink } from './shaped-link.ts';

export interface PutLinkOptions {
  readonly sizeMiB: number;
  readonly samples: number;
  readonly relays: number;
  readonly mbitPerSecond: number;
  /** One-way delay of the client's link (RTT is twice this). */
  readonly delayMs: number;
}

export interface PutLinkRates {
  readonly sizeMiB: number;
  /** The link's bandwidth in MiB/s. */
  readonly linkMiBs: number;
  /** One TLS upload of the file through the same link, MiB/s. */
  readonly tlsUpload: number;
  /** The put with a fixed window of 4 shards (before), and with the adaptive window. */
  readonly fixed4: number;
  readonly adaptive: number;
  /** Largest window the adaptive put reached. */
  readonly adaptiveWindow: number;
}

/** Uploads `size` bytes of `file` over TLS through `port` (a shaped link in front of a sink); resolves with the ms. */
async function tlsUpload(file: string, size: number, linkTo: (port: number) => Promise<ShapedLink>): Promise<number> {
  const pems = await generate([{ name: 'commonName', value: 'bench' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  const sink = createTlsServer({ cert: pems.cert, key: pems.private }, (socket) => {
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      // The last byte arrived: say so (one byte back), as an HTTP server answers a PUT once it has the body.
      if (got === size) socket.end('k');
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const link = await linkTo((sink.address() as { port: number }).port);
  try {
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      const client = tlsConnect({ host: '127.0.0.1', port: link.port, rejectUnauthorized: false }, () =>
        createReadStream(file).pipe(client, { end: false }),
      );
      client.on('data', () => {
        client.destroy();
        resolve();
      });
      client.on('error', reject);
    });
    return performance.now() - start;
  } finally {
    await link.close();
    await new Promise<void>((r) => sink.close(() => r()));
  }
}

export async function putLinkSuite(opts: PutLinkOptions): Promise<PutLinkRates> {
  const tree = await startTree(opts.relays);
  const work = tempDir('put-link');
  const size = opts.sizeMiB * MiB;
  const file = join(work, 'in.bin');
  await writeRandomFile(file, size);
  const bytesPerSecond = (opts.mbitPerSecond * 1e6) / 8;
  const lanes = sharedLanes();
  const shape = { delayMs: opts.delayMs, bytesPerSecond, lanes };
  // One shaped proxy per relay, all on the client's one link.
  const links = new Map<string, ShapedLink>();
  for (const r of tree.relays) links.set(String(r.port), await startShapedLink(r.port, shape));
  const via = through(links);
  const entry = tree.relays[0]!.ready.url;
  const members = await routeMembers(entry);
  let widest = 0;
  const put = async (sample: number, fixed: boolean): Promise<number> => {
    // A fresh owner each time: nothing of an earlier sample is already pinned for it.
    const identity = await identityFromSeed(crypto.getRandomValues(new Uint8Array(32)));
    const link = await connect(via(entry), { identity });
    const transport = new RoutedTransport({
      entry: link,
      members,
      connect: (url, id) => connect(via(url), id ? { identity: id } : {}),
      owner: { identity, now: Date.now },
    });
    try {
      const start = performance.now();
      await putFile(createReadStream(file, { highWaterMark: MiB }), transport, {
        name: `put-link-${sample}.bin`,
        replicas: 3,
        ...(fixed ? { concurrency: 4 } : {}),
        onProgress: () => (widest = fixed ? widest : Math.max(widest, transport.putWindow())),
      });
      return performance.now() - start;
    } finally {
      transport.close();
      link.close(1000, 'done');
    }
  };
  try {
    const mibs = (ms: number) => opts.sizeMiB / (ms / 1000);
    await put(-1, false); // warm-up: links open, code compiled
    const fixed: number[] = [];
    const adaptive: number[] = [];
    const upload: number[] = [];
    for (let s = 0; s < opts.samples; s++) {
      upload.push(mibs(await tlsUpload(file, size, (port) => startShapedLink(port, shape))));
      fixed.push(mibs(await put(s, true)));
      adaptive.push(mibs(await put(s, false)));
    }
    return {
      sizeMiB: opts.sizeMiB,
      linkMiBs: bytesPerSecond / MiB,
      tlsUpload: median(upload),
      fixed4: median(fixed),
      adaptive: median(adaptive),
      adaptiveWindow: widest,
    };
  } finally {
    await Promise.all([...links.values()].map((l) => l.close()));
  }
}
