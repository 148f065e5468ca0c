// The WAN suite's network: one Linux network namespace per relay and one for the client, each joined to a router
// namespace by a veth pair whose two ends are rate-limited by `tc tbf` (uplink on the endpoint's end, downlink on
// the router's), and a TUN device in the router through which every packet between links passes, delayed by
// bench/wan/delayer.py. Everything is named `ptw-…` so that a crashed run's leftovers are found and removed.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from '../../tests/support/relay-process.ts';

/** Prefix of every namespace and link this suite creates. */
export const PREFIX = 'ptw-';
const ROUTER = `${PREFIX}rt`;
const TUN = `${PREFIX}tun`;
/** Routing table in the router that sends every packet from a link into the TUN. */
const DELAY_TABLE = '100';
const DELAYER = fileURLToPath(new URL('./delayer.py', import.meta.url));
/** The host's own leg into the router (not shaped): status polls from the bench process. */
const HOST_NET = 250;
const READY_TIMEOUT_MS = 10_000;

export interface LinkShape {
  /** Each direction of the link, bits per second. */
  readonly bitsPerSecond: number;
}

export interface WanOptions {
  readonly relays: number;
  /** Link of every relay, and the client's (may differ: a client on a faster link). */
  readonly relayLink: LinkShape;
  readonly clientLink: LinkShape;
  /** One-way delay added by the router (RTT is twice this). */
  readonly delayMs: number;
  /** Probability (0..1) that the router drops a packet. */
  readonly loss: number;
}

export interface Endpoint {
  readonly ns: string;
  readonly addr: string;
  /** Its end of the veth (its uplink's egress). */
  readonly dev: string;
}

export interface WanNetwork {
  readonly client: Endpoint;
  readonly relays: readonly Endpoint[];
  /** Stops the delayer and removes every namespace and link (idempotent). Resolves with the delayer's counters. */
  close(): Promise<string>;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function inNs(ns: string, ...cmd: string[]): string {
  return ip('netns', 'exec', ns, ...cmd);
}

function sysctl(ns: string, ...settings: string[]): void {
  inNs(ns, 'sysctl', '-q', ...settings.flatMap((s) => ['-w', s]));
}

/** tbf for one direction: a burst of at least 32 KiB (or 4 ms of the rate), a queue of about 50 ms of it. */
function tbf(ns: string, dev: string, shape: LinkShape): void {
  const bytesPerSecond = shape.bitsPerSecond / 8;
  const burst = Math.max(32 * 1024, Math.ceil(bytesPerSecond * 0.004));
  const limit = Math.max(256 * 1024, Math.ceil(bytesPerSecond * 0.05));
  execFileSync(
    'tc',
    [
      '-n',
      ns,
      'qdisc',
      'add',
      'dev',
      dev,
      'root',
      'tbf',
      'rate',
      `${shape.bitsPerSecond}bit`,
      'burst',
      String(burst),
      'limit',
      String(limit),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/**
 * Why namespaces cannot be made here (not root, no `ip netns`), or null when they can: the suite is skipped
 * with this reason.
 */
export function cannotMakeNamespaces(): string | null {
  if (process.getuid?.() !== 0)
    return 'the WAN suite needs root (network namespaces, tc); run the bench as root to include it';
  const probe = `${PREFIX}probe`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    execFileSync('tc', ['-V'], { stdio: 'ignore' });
    execFileSync('python3', ['-c', 'import fcntl'], { stdio: 'ignore' });
    return null;
  } catch (err) {
    try {
      ip('netns', 'del', probe);
    } catch {
      // it was never made
    }
    return `network namespaces cannot be made here (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** Removes what an earlier run left: processes inside `ptw-` namespaces (by pid), the namespaces, `ptw-` links. */
export function removeLeftovers(): void {
  const list = ip('netns', 'list');
  for (const line of list.split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    if (!ns.startsWith(PREFIX)) continue;
    try {
      for (const pid of ip('netns', 'pids', ns).split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      ip('netns', 'del', ns);
    } catch {
      // Gone meanwhile (listed, then removed by another clean-up); one that truly stays makes `netns add` fail.
    }
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (!name?.startsWith(PREFIX)) continue;
    try {
      ip('link', 'del', name);
    } catch {
      // Its namespace's removal (asynchronous in the kernel) took it meanwhile.
    }
  }
}

/** Starts the delayer in the router namespace and waits (bounded) for it to hold the TUN. */
function startDelayer(delayMs: number, loss: number): Promise<{ proc: ChildProcess; stats: () => string }> {
  const proc = spawn(
    'ip',
    ['netns', 'exec', ROUTER, 'python3', DELAYER, '--dev', TUN, '--delay-ms', String(delayMs), '--loss', String(loss)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-16_384)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the packet delayer did not start within ${READY_TIMEOUT_MS} ms\n${stderr}`));
    }, READY_TIMEOUT_MS);
    proc.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve({ proc, stats: () => stderr.trim() });
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the packet delayer exited with ${code}\n${stderr}`));
    });
  });
}

/** One endpoint namespace on link `i` (10.77.i.0/24): the endpoint is .2, the router's end .1. */
function addEndpoint(ns: string, i: number, shape: LinkShape): Endpoint {
  const near = `${PREFIX}e${i}`;
  const far = `${PREFIX}g${i}`;
  ip('netns', 'add', ns);
  ip('link', 'add', near, 'netns', ns, 'type', 'veth', 'peer', 'name', far, 'netns', ROUTER);
  ip('-n', ns, 'addr', 'add', `10.77.${i}.2/24`, 'dev', near);
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', ns, 'link', 'set', near, 'up');
  ip('-n', ns, 'route', 'add', 'default', 'via', `10.77.${i}.1`);
  ip('-n', ROUTER, 'addr', 'add', `10.77.${i}.1/24`, 'dev', far);
  ip('-n', ROUTER, 'link', 'set', far, 'up');
  sysctl(ROUTER, `net.ipv4.conf.${far}.rp_filter=0`);
  // Everything that arrives from a link goes through the delayer before it is routed on.
  ip('-n', ROUTER, 'rule', 'add', 'iif', far, 'lookup', DELAY_TABLE);
  tbf(ns, near, shape); // uplink
  tbf(ROUTER, far, shape); // downlink
  return { ns, addr: `10.77.${i}.2`, dev: near };
}

/** Builds the network (removing an earlier run's leftovers first); on any failure, removes what it made. */
export async function makeWan(opts: WanOptions): Promise<WanNetwork> {
  removeLeftovers();
  let delayer: { proc: ChildProcess; stats: () => string } | null = null;
  let closed = false;
  const close = async (): Promise<string> => {
    if (closed) return '';
    closed = true;
    let stats = '';
    if (delayer && delayer.proc.exitCode === null) {
      const exited = new Promise((r) => delayer!.proc.once('exit', r));
      delayer.proc.kill('SIGTERM');
      const killer = setTimeout(() => delayer?.proc.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killer);
      stats = delayer.stats();
    }
    removeLeftovers();
    return stats;
  };
  try {
    ip('netns', 'add', ROUTER);
    ip('-n', ROUTER, 'link', 'set', 'lo', 'up');
    sysctl(ROUTER, 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
    inNs(ROUTER, 'ip', 'tuntap', 'add', 'dev', TUN, 'mode', 'tun');
    ip('-n', ROUTER, 'link', 'set', TUN, 'txqueuelen', '10000', 'up');
    sysctl(ROUTER, `net.ipv4.conf.${TUN}.rp_filter=0`);
    ip('-n', ROUTER, 'route', 'add', 'default', 'dev', TUN, 'table', DELAY_TABLE);
    const client = addEndpoint(`${PREFIX}c`, 1, opts.clientLink);
    const relays = Array.from({ length: opts.relays }, (_, r) =>
      addEndpoint(`${PREFIX}r${r + 1}`, r + 2, opts.relayLink),
    );
    // The host's leg: unshaped, not delayed on the way in (replies come back through the delayer).
    const host = `${PREFIX}h`;
    const hostFar = `${PREFIX}hg`;
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', hostFar, 'netns', ROUTER);
    ip('addr', 'add', `10.77.${HOST_NET}.2/24`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('route', 'add', '10.77.0.0/16', 'via', `10.77.${HOST_NET}.1`);
    ip('-n', ROUTER, 'addr', 'add', `10.77.${HOST_NET}.1/24`, 'dev', hostFar);
    ip('-n', ROUTER, 'link', 'set', hostFar, 'up');
    sysctl(ROUTER, `net.ipv4.conf.${hostFar}.rp_filter=0`);
    delayer = await startDelayer(opts.delayMs, opts.loss);
    return { client, relays, close };
  } catch (err) {
    // The first failure is the one to report: a failing clean-up must not hide it.
    await close().catch(() => '');
    throw err;
  }
}

/** Bytes sent so far on `e`'s uplink (the kernel's counter of its veth end). */
export function uplinkBytes(e: Endpoint): number {
  const [link] = JSON.parse(ip('-n', e.ns, '-s', '-j', 'link', 'show', 'dev', e.dev)) as {
    stats64?: { tx?: { bytes?: number } };
  }[];
  return link?.stats64?.tx?.bytes ?? 0;
}

/** The command prefix that runs a process inside `ns` (exec'ing it: signals reach the process itself). */
export function inNamespace(ns: string): string[] {
  return ['ip', 'netns', 'exec', ns];
}
