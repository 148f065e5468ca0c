// A userspace link shaper on loopback: a TCP proxy that delays every byte by a one-way latency and lets it through
// at a set bandwidth, both ways, with back-pressure (this kernel has no netem; tbf alone cannot add latency).
//
// Model: each direction is a FIFO link. A chunk read at t departs at max(t, previous departure) + bytes / rate and
// is delivered `delayMs` later. When more than `bufferBytes` wait, the sending socket is paused (as a TCP window
// would close) and resumed once the queue drains below half of it. TLS passes through untouched: the relays' and
// the client's signed handshake is end to end, so a proxied link proves the same key as a direct one.
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface ShapeOptions {
  /** One-way latency in ms (RTT is twice this). */
  readonly delayMs: number;
  /** Bandwidth of each direction, bytes per second. */
  readonly bytesPerSecond: number;
  /** Bytes queued in one direction before the sender is paused (default: one bandwidth-delay product + 256 KiB). */
  readonly bufferBytes?: number;
  /**
   * Departure clocks shared with other shaped links: links given the same lanes share one bandwidth, as the
   * connections of one client to several relays share that client's own link.
   */
  readonly lanes?: { readonly up: ShapeLane; readonly down: ShapeLane };
}

/** When the next byte of one direction of a link may leave (ms, performance.now()): shared by its connections. */
export interface ShapeLane {
  next: number;
}

/** A fresh pair of lanes for `ShapeOptions.lanes`. */
export function sharedLanes(): { up: ShapeLane; down: ShapeLane } {
  return { up: { next: 0 }, down: { next: 0 } };
}

export interface ShapedLink {
  /** Port of the proxy on 127.0.0.1. */
  readonly port: number;
  /** Bytes delivered towards the client (from the target). */
  readonly deliveredDown: () => number;
  close(): Promise<void>;
}

/**
 * One direction of a shaped connection: `from` → `to`. Chunks are delivered strictly in arrival order from one
 * FIFO drained by a single timer: one timer per chunk would let two chunks due in the same millisecond fire out of
 * order (Node keeps a timer list per duration), which reorders TLS records and kills the connection.
 */
function shapeDirection(
  from: Socket,
  to: Socket,
  opts: ShapeOptions,
  lane: ShapeLane,
  onDelivered: (n: number) => void,
): void {
  const rate = opts.bytesPerSecond / 1000; // bytes per ms
  const buffer = opts.bufferBytes ?? Math.ceil(rate * opts.delayMs * 2) + 256 * 1024;
  const fifo: { chunk: Buffer; at: number }[] = [];
  let head = 0;
  let queued = 0;
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (head < fifo.length && fifo[head]!.at <= now) {
      const { chunk } = fifo[head++]!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      onDelivered(chunk.length);
    }
    if (head > 1024 && head * 2 > fifo.length) {
      fifo.splice(0, head);
      head = 0;
    }
    if (queued < buffer / 2 && from.isPaused()) from.resume();
    if (head < fifo.length) timer = setTimeout(pump, Math.max(0, fifo[head]!.at - now));
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    const now = performance.now();
    lane.next = Math.max(now, lane.next) + chunk.length / rate;
    const at = lane.next + opts.delayMs;
    fifo.push({ chunk, at });
    queued += chunk.length;
    if (queued > buffer) from.pause();
    if (timer === null) timer = setTimeout(pump, Math.max(0, at - now));
  });
  from.on('end', () => {
    ended = true;
    if (timer === null && head >= fifo.length) to.end();
  });
  // A socket that closed (FIN or not) still has its queued bytes delivered, then the other side is ended: a
  // server that answers and closes at once (an upload's last reply) must not lose that answer in the link.
  from.on('close', () => {
    ended = true;
    if (timer === null && head >= fifo.length && !to.destroyed) to.end();
  });
}

/** Starts a shaped proxy on 127.0.0.1 (any free port) in front of `targetPort` on 127.0.0.1. */
export async function startShapedLink(targetPort: number, opts: ShapeOptions): Promise<ShapedLink> {
  const sockets = new Set<Socket>();
  let down = 0;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      // A close is passed on by shapeDirection once the queue towards the other side has drained.
      s.on('close', () => sockets.delete(s));
    }
    const lanes = opts.lanes ?? sharedLanes();
    shapeDirection(client, upstream, opts, lanes.up, () => {});
    shapeDirection(upstream, client, opts, lanes.down, (n) => (down += n));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    deliveredDown: () => down,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Rewrites a relay URL's port to its shaped link's. */
export function through(links: ReadonlyMap<string, ShapedLink>): (url: string) => string {
  return (url) => {
    const u = new URL(url);
    const link = links.get(u.port);
    if (!link) throw new Error(`no shaped link in front of ${url}`);
    u.port = String(link.port);
    return u.toString();
  };
}
