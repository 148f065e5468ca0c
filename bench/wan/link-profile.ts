// Where a transfer over a shaped link loses time against the link's own rate: the client's veth byte counter,
// sampled while the transfer runs, split into before the first byte, the ramp, the middle and the tail.
import { readFileSync } from 'node:fs';

/** Cumulative bytes of one direction of the client's link, sampled every SAMPLE_MS from the transfer's start. */
export interface LinkSamples {
  /** ms from the transfer's start. */
  readonly t: readonly number[];
  /** Bytes the link carried in the transfer's direction (received for a get, sent for a put), from its start. */
  readonly bytes: readonly number[];
  /** TCP segments the client's namespace retransmitted during the transfer (/proc/net/snmp RetransSegs). */
  readonly retrans: number;
}

/** What a transfer lost against the link, in ms of a full link (the sum of the four phases is `lostMs`). */
export interface LinkProfile {
  /** Bytes on the wire (IP and Ethernet headers included) per byte of file. */
  readonly overhead: number;
  /** Elapsed time minus the time the wire bytes take at the link's rate. */
  readonly lostMs: number;
  /** Before the first 64 KiB arrived (requests, handshakes, the manifest). */
  readonly beforeFirstMs: number;
  /** From there to the first window of RAMP_WINDOW_MS at ≥ 90 % of the rate (slow start, the window filling). */
  readonly rampMs: number;
  /** Between the ramp and the last window at ≥ 90 %: dips while the transfer was under way. */
  readonly middleMs: number;
  /** After the last such window (the last shards, acknowledgements, the manifest). */
  readonly tailMs: number;
  readonly retrans: number;
}

export const SAMPLE_MS = 10;
const RAMP_WINDOW_MS = 100;
const FIRST_BYTES = 64 * 1024;

/** Samples `dev`'s counter (`rx_bytes` or `tx_bytes`) every SAMPLE_MS until `stop` is called. Linux only. */
export function sampleLink(dev: string, direction: 'rx' | 'tx'): { stop: () => LinkSamples } {
  const counter = `/sys/class/net/${dev}/statistics/${direction}_bytes`;
  const read = () => Number(readFileSync(counter, 'utf8'));
  const retransOf = () => {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Tcp:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    return Number(values[names.indexOf('RetransSegs')] ?? 0);
  };
  const t0 = performance.now();
  const base = read();
  const retrans0 = retransOf();
  const t: number[] = [0];
  const bytes: number[] = [0];
  const take = () => {
    t.push(performance.now() - t0);
    bytes.push(read() - base);
  };
  const timer = setInterval(take, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { t, bytes, retrans: retransOf() - retrans0 };
    },
  };
}

/** Splits the time `s` lost against `bytesPerMs` (the link's shaped rate) into its phases. Pure. */
export function profileLink(s: LinkSamples, fileBytes: number, bytesPerMs: number): LinkProfile {
  const n = s.t.length;
  const elapsed = s.t[n - 1] ?? 0;
  const total = s.bytes[n - 1] ?? 0;
  const lostIn = (from: number, to: number) => {
    const ms = (s.t[to] ?? 0) - (s.t[from] ?? 0);
    return ms - ((s.bytes[to] ?? 0) - (s.bytes[from] ?? 0)) / bytesPerMs;
  };
  let first = s.bytes.findIndex((b) => b >= FIRST_BYTES);
  if (first < 0) first = n - 1;
  // Windows of RAMP_WINDOW_MS that ran at ≥ 90 % of the rate: the first and the last such window bound the middle.
  const span = Math.max(1, Math.round(RAMP_WINDOW_MS / SAMPLE_MS));
  let rampEnd = -1;
  let tailStart = -1;
  for (let i = first; i + span < n; i++) {
    const ms = s.t[i + span]! - s.t[i]!;
    const full = s.bytes[i + span]! - s.bytes[i]! >= 0.9 * bytesPerMs * ms;
    if (!full) continue;
    if (rampEnd < 0) rampEnd = i;
    tailStart = i + span;
  }
  if (rampEnd < 0) {
    // Never full: everything after the first byte is ramp.
    rampEnd = n - 1;
    tailStart = n - 1;
  }
  return {
    overhead: fileBytes > 0 ? total / fileBytes : 0,
    lostMs: elapsed - total / bytesPerMs,
    beforeFirstMs: lostIn(0, first),
    rampMs: lostIn(first, rampEnd),
    middleMs: lostIn(rampEnd, tailStart),
    tailMs: lostIn(tailStart, n - 1),
    retrans: s.retrans,
  };
}

/** One line for a person. */
export function describeLink(p: LinkProfile): string {
  const f = (ms: number) => (ms / 1000).toFixed(2);
  return (
    `lost ${f(p.lostMs)} s of a full link (before the first byte ${f(p.beforeFirstMs)}, ramp ${f(p.rampMs)}, ` +
    `middle ${f(p.middleMs)}, tail ${f(p.tailMs)}); wire/file ${p.overhead.toFixed(3)}, ${p.retrans} retransmitted`
  );
}
