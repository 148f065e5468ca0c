// Suite `wan` (`--wan`, root only): PeerTree get and put of one file over a shaped network of namespaces
// (bench/wan/netns.ts: tbf bandwidth, TUN-delayer latency and loss), set beside one HTTPS download and one HTTPS
// upload of the same file between the same namespaces in the same run (a plain node:https server in the first
// relay's namespace). The client runs in its own namespace (bench/wan/client.ts), so every one of its bytes, and
// every byte the relays replicate among themselves, crosses shaped links.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchJson, statusUrl } from '../../node-relay/http/status-client.ts';
import { startRelayProcess, track } from '../../tests/support/relay-process.ts';
import { isCompleteTree, MiB, REPO, tempDir, waitFor, writeRandomFile, type Relay } from '../cluster.ts';
import { median } from '../measure.ts';
import { describeTrace, type GetTrace } from '../get-trace.ts';
import { describePut, type PutTrace } from '../put-trace.ts';
import { describeLink, profileLink, type LinkProfile, type LinkSamples } from './link-profile.ts';
import { cannotMakeNamespaces, inNamespace, makeWan, removeLeftovers, uplinkBytes, type Endpoint } from './netns.ts';

export interface WanOptions {
  readonly sizeMiB: number;
  readonly samples: number;
  readonly relays: number;
  readonly replicas: number;
  /** Every relay's link and the client's, bits per second each way. */
  readonly relayBits: number;
  readonly clientBits: number;
  readonly rttMs: number;
  /** Packet loss in the router, percent. */
  readonly lossPercent: number;
}

export interface WanRates {
  readonly sizeMiB: number;
  readonly httpsGet: number;
  readonly httpsPut: number;
  /** The file in equal slices from a server beside every relay, all at once: the most a swarm can get here. */
  readonly httpsSpread: number;
  /** Every shard through the entry relay (the client given no member list): what routing saves. */
  readonly getEntry: number;
  readonly putEntry: number;
  /** As a remote client does: members from the public status, direct puts and the swarming get. */
  readonly get: number;
  readonly put: number;
  readonly busiestShare: number;
  /** Bytes the busiest relay's uplink sent during a put, in copies of the file: through the entry, and routed. */
  readonly busiestUplinkEntry: number;
  readonly busiestUplink: number;
  /** Widest put window reached (shards in flight), through the entry and routed. */
  readonly windowEntry: number;
  readonly window: number;
  /** The delayer's counters (packets, lost, overflow) as it printed them. */
  readonly delayer: string;
  /** Per transfer kind, per sample: where it lost time against the client's link (bench/wan/link-profile.ts). */
  readonly links: Readonly<Record<string, readonly LinkProfile[]>>;
}

/** The relays' port inside their namespaces (each has its own), and the baseline server's. */
const RELAY_PORT = 7443;
const HTTPS_PORT = 8443;
const CLIENT = join(REPO, 'bench', 'wan', 'client.ts');
const SERVER = join(REPO, 'bench', 'wan', 'https-server.ts');
const RUN_TS = join(REPO, 'bin', 'run-ts.js');
/** Bound on one transfer: 64 MiB at 1 % loss takes well under a minute; this only catches a hang. */
const TRANSFER_TIMEOUT_MS = 600_000;

/** Why the suite cannot run here, or null. */
export function wanSkipReason(): string | null {
  return cannotMakeNamespaces();
}

/** Runs bench/wan/client.ts in `ns` and parses its JSON line (bounded in time); `dev`: the link it samples. */
function client<T>(ns: string, args: string[], dev?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      inNamespace(ns)[0]!,
      [...inNamespace(ns).slice(1), process.execPath, '--initial-old-space-size=64', RUN_TS, CLIENT, ...args],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: dev ? { ...process.env, WAN_DEV: dev } : process.env,
      },
    );
    track(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-16_384)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), TRANSFER_TIMEOUT_MS);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`wan client ${args[0]} exited with ${code}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T);
    });
  });
}

/** Starts the baseline HTTPS server in `at`'s namespace, serving `file`, and waits (bounded) for it. */
function httpsServer(at: Endpoint, file: string): Promise<() => void> {
  const proc = spawn(
    inNamespace(at.ns)[0]!,
    [...inNamespace(at.ns).slice(1), process.execPath, RUN_TS, SERVER, at.addr, String(HTTPS_PORT), file],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(proc);
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the HTTPS server did not start\n${stderr}`));
    }, 30_000);
    proc.stdout.once('data', () => {
      clearTimeout(timer);
      resolve(() => proc.kill('SIGKILL'));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTPS server exited with ${code}\n${stderr}`));
    });
  });
}

/** A root and its joiners, each in its own namespace, all listening on their namespace's address. */
async function startWanTree(ends: readonly Endpoint[], base: string): Promise<Relay[]> {
  const args = ['--log-level', 'warn', '--max-peers', '4'];
  const start = (e: Endpoint, i: number, join: string[]) =>
    startRelayProcess(`${base}/r${i}`, [...args, '--host', e.addr, ...join], 60_000, RELAY_PORT, {
      prefix: inNamespace(e.ns),
    });
  const root = await start(ends[0]!, 0, []);
  const rest = await Promise.all(ends.slice(1).map((e, i) => start(e, i + 1, ['--join', root.ready.url])));
  const relays = [root, ...rest];
  await waitFor(
    `a complete tree of ${relays.length} in namespaces`,
    async () => ((await isCompleteTree(relays)) ? true : null),
    120_000,
    200,
  );
  return relays;
}

/** Fails unless the entry relay's public status (what a remote client reads) lists all `count` relays. */
async function checkPublicMembers(entry: string, count: number): Promise<void> {
  const url = statusUrl(entry);
  url.searchParams.set('view', 'public');
  const { status, body } = await fetchJson(url, 10_000);
  const members = (body as { members?: unknown[] }).members ?? [];
  if (status !== 200 || members.length !== count)
    throw new Error(`the public status listed ${members.length} of ${count} members (HTTP ${status})`);
}

export async function wanSuite(opts: WanOptions): Promise<WanRates> {
  const net = await makeWan({
    relays: opts.relays,
    relayLink: { bitsPerSecond: opts.relayBits },
    clientLink: { bitsPerSecond: opts.clientBits },
    delayMs: opts.rttMs / 2,
    loss: opts.lossPercent / 100,
  });
  // A bench killed by a signal exits through process.exit: the namespaces go with it.
  const onExit = () => removeLeftovers();
  process.once('exit', onExit);
  const stops: (() => void)[] = [];
  try {
    const work = tempDir('wan');
    const size = opts.sizeMiB * MiB;
    const mibs = (ms: number) => opts.sizeMiB / (ms / 1000);
    const relays = await startWanTree(net.relays, join(work, 'relays'));
    const entry = relays[0]!.ready.url;
    await checkPublicMembers(entry, relays.length);
    // The comparison: an empty member list makes the client send every shard through its entry relay.
    const noMembersFile = join(work, 'no-members.json');
    writeFileSync(noMembersFile, '[]');
    const c = net.client.ns;
    const dev = net.client.dev;
    const links: Record<string, LinkProfile[]> = {};
    /** Profiles one transfer's link samples; the library's timed span starts after its link opened (`ms`). */
    const profile = (kind: string, r: { ms: number; link?: LinkSamples }): string => {
      if (!r.link) return '';
      const p = profileLink(r.link, size, opts.clientBits / 8 / 1000);
      // Time sampled before the transfer's own clock started (the entry link, the member list) is not counted.
      const untimed = Math.max(0, (r.link.t.at(-1) ?? 0) - r.ms);
      const q = { ...p, lostMs: p.lostMs - untimed, beforeFirstMs: p.beforeFirstMs - untimed };
      (links[kind] ??= []).push(q);
      return `${kind}: ${describeLink(q)}`;
    };
    const rates = {
      httpsGet: [] as number[],
      httpsPut: [] as number[],
      httpsSpread: [] as number[],
      getEntry: [] as number[],
      putEntry: [] as number[],
      get: [] as number[],
      put: [] as number[],
      busiest: [] as number[],
      uplinkEntry: [] as number[],
      uplink: [] as number[],
      windowEntry: [] as number[],
      window: [] as number[],
    };
    type Put = {
      ms: number;
      capability: string;
      busiestUplink: number;
      widestWindow: number;
      trace?: PutTrace;
      link?: LinkSamples;
    };
    type Get = {
      ms: number;
      bytes: number;
      busiestShare: number;
      hedged: number;
      trace?: GetTrace;
      link?: LinkSamples;
    };
    type Plain = { ms: number; bytes: number; link?: LinkSamples };
    /**
     * A put then a get of `file` (`bytes` long), entering at different relays, routed by the member list the client
     * reads from the entry's public status, or (with an empty list) through the entry relay.
     */
    const putGet = async (file: string, bytes: number, s: number, routed: boolean): Promise<{ put: Put; get: Get }> => {
      const known = routed ? [] : [noMembersFile];
      const before = net.relays.map(uplinkBytes);
      const put = await client<Put>(
        c,
        ['put', relays[s % relays.length]!.ready.url, file, String(opts.replicas), ...known],
        dev,
      );
      // What the relays' own links carried: replication leaves through them.
      put.busiestUplink = Math.max(...net.relays.map((e, i) => uplinkBytes(e) - before[i]!)) / bytes;
      const get = await client<Get>(
        c,
        ['get', relays[(s + 2) % relays.length]!.ready.url, put.capability, ...known],
        dev,
      );
      if (get.bytes !== bytes) throw new Error(`get returned ${get.bytes} bytes, expected ${bytes}`);
      return { put, get };
    };
    // Warm-up: the relays' links to each other come up, code is compiled.
    const warm = join(work, 'warm.bin');
    const warmBytes = Math.min(size, 8 * MiB);
    await writeRandomFile(warm, warmBytes);
    await putGet(warm, warmBytes, 0, true);
    for (let s = 0; s < opts.samples; s++) {
      // A new file per sample: nothing of it is stored yet.
      const file = join(work, `in-${s}.bin`);
      await writeRandomFile(file, size);
      // The baselines: one server in every relay's namespace, serving the same file.
      const servers = await Promise.all(net.relays.map((r) => httpsServer(r, file)));
      stops.push(...servers);
      const bases = net.relays.map((r) => `https://${r.addr}:${HTTPS_PORT}/file`);
      const down = await client<Plain>(c, ['https-get', bases[0]!], dev);
      if (down.bytes !== size) throw new Error(`HTTPS download returned ${down.bytes} bytes, expected ${size}`);
      rates.httpsGet.push(mibs(down.ms));
      const spread = await client<Plain>(c, ['https-spread', String(size), ...bases], dev);
      if (spread.bytes !== size)
        throw new Error(`HTTPS spread download returned ${spread.bytes} bytes, expected ${size}`);
      rates.httpsSpread.push(mibs(spread.ms));
      const up = await client<Plain>(
        c,
        ['https-put', `https://${net.relays[0]!.addr}:${HTTPS_PORT}/upload`, file],
        dev,
      );
      if (up.bytes !== size) throw new Error(`HTTPS upload stored ${up.bytes} bytes, expected ${size}`);
      rates.httpsPut.push(mibs(up.ms));
      for (const stop of servers) stop();
      // Entry relays in turn, so that no relay's place in the tree favours one sample. The file's key is new on
      // every put (encrypted), so the second put of the same bytes stores new shards.
      const viaEntry = await putGet(file, size, s, false);
      rates.putEntry.push(mibs(viaEntry.put.ms));
      rates.getEntry.push(mibs(viaEntry.get.ms));
      rates.uplinkEntry.push(viaEntry.put.busiestUplink);
      rates.windowEntry.push(viaEntry.put.widestWindow);
      const routed = await putGet(file, size, s, true);
      rates.put.push(mibs(routed.put.ms));
      rates.get.push(mibs(routed.get.ms));
      rates.busiest.push(routed.get.busiestShare);
      rates.uplink.push(routed.put.busiestUplink);
      rates.window.push(routed.put.widestWindow);
      const f = (ms: number) => mibs(ms).toFixed(2);
      process.stderr.write(
        `bench: wan sample ${s + 1} (MiB/s): https get ${f(down.ms)} put ${f(up.ms)} spread ${f(spread.ms)}; via entry get ${f(viaEntry.get.ms)} ` +
          `put ${f(viaEntry.put.ms)}; routed get ${f(routed.get.ms)} put ${f(routed.put.ms)}; busiest relay uplink during ` +
          `the puts ${viaEntry.put.busiestUplink.toFixed(2)} / ${routed.put.busiestUplink.toFixed(2)} copies of the file; widest put window ` +
          `${viaEntry.put.widestWindow} / ${routed.put.widestWindow} shards\n`,
      );
      const lines = [
        profile('https get', down),
        profile('https spread', spread),
        profile('https put', up),
        profile('get via entry', viaEntry.get),
        profile('put via entry', viaEntry.put),
        profile('routed get', routed.get),
        profile('routed put', routed.put),
      ].filter((l) => l !== '');
      for (const l of lines) process.stderr.write(`bench: wan sample ${s + 1} link, ${l}\n`);
      if (routed.put.trace)
        process.stderr.write(`bench: wan sample ${s + 1} routed put: ${describePut(routed.put.trace)}\n`);
      if (routed.get.trace)
        process.stderr.write(
          `bench: wan sample ${s + 1} routed get: ${describeTrace(routed.get.trace)}; ${routed.get.hedged} hedged\n`,
        );
    }
    for (const r of relays) await r.stop();
    const delayer = await net.close();
    return {
      sizeMiB: opts.sizeMiB,
      httpsGet: median(rates.httpsGet),
      httpsPut: median(rates.httpsPut),
      httpsSpread: median(rates.httpsSpread),
      getEntry: median(rates.getEntry),
      putEntry: median(rates.putEntry),
      get: median(rates.get),
      put: median(rates.put),
      busiestShare: median(rates.busiest),
      busiestUplinkEntry: median(rates.uplinkEntry),
      busiestUplink: median(rates.uplink),
      windowEntry: median(rates.windowEntry),
      window: median(rates.window),
      delayer,
      links,
    };
  } finally {
    for (const stop of stops) stop();
    await net.close();
    process.removeListener('exit', onExit);
  }
}
