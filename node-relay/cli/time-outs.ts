// The time-outs of a client command: `--connect-timeout` (reaching a relay and its handshake) and `--timeout`
// (the longest wait without progress), and the idle guard that ends a command that stopped moving.
import { PeerTreeError } from '../../core/errors.ts';
import { CLI_CONNECT_TIMEOUT_MS, CLI_IDLE_TIMEOUT_MS, MAX_CLI_TIMEOUT_MS } from '../../core/limits.ts';
import type { FlagSpec, ParsedFlags } from '../config/relay-config.ts';

/** The flags every client command takes for its time-outs. */
export const TIME_OUT_FLAGS: Record<string, FlagSpec> = {
  timeout: { kind: 'string' },
  'connect-timeout': { kind: 'string' },
};

export interface TimeOuts {
  readonly connectMs: number;
  readonly idleMs: number;
}

/** Reads `30s`, `500ms`, `2m`, or a plain number of seconds; null when it is none of those or out of range. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return null;
  const scale = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1_000;
  const ms = Math.round(Number(m[1]) * scale);
  return ms >= 1 && ms <= MAX_CLI_TIMEOUT_MS ? ms : null;
}

/** The time-outs the flags ask for (the defaults when absent), or the reason a value is wrong. */
export function timeOutsOf(parsed: ParsedFlags): TimeOuts | { error: string } {
  const read = (name: string, fallback: number): number | string => {
    const text = parsed.flags.get(name);
    if (typeof text !== 'string') return fallback;
    return (
      parseDuration(text) ??
      `--${name} must be a duration like 30s, 500ms or 2m (at most 24 h), got ${JSON.stringify(text)}`
    );
  };
  const connectMs = read('connect-timeout', CLI_CONNECT_TIMEOUT_MS);
  if (typeof connectMs === 'string') return { error: connectMs };
  const idleMs = read('timeout', CLI_IDLE_TIMEOUT_MS);
  if (typeof idleMs === 'string') return { error: idleMs };
  return { connectMs, idleMs };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Ends a command that made no progress for `idleMs`: `guard(p)` rejects with TIMEOUT when `touch()` was not
 * called for that long while `p` runs. The caller closes its links afterwards, which ends whatever is pending.
 */
export class IdleGuard {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private fire: ((err: PeerTreeError) => void) | null = null;

  constructor(private readonly idleMs: number) {}

  touch(): void {
    if (this.fire === null) return;
    if (this.timer) clearTimeout(this.timer);
    const fire = this.fire;
    this.timer = setTimeout(
      () =>
        fire(
          new PeerTreeError(
            'TIMEOUT',
            `no progress for ${seconds(this.idleMs)} (the relays stopped answering); --timeout sets this limit`,
          ),
        ),
      this.idleMs,
    );
  }

  async guard<T>(work: Promise<T>): Promise<T> {
    const idle = new Promise<never>((_, reject) => (this.fire = reject));
    this.touch();
    try {
      return await Promise.race([work, idle]);
    } finally {
      this.stop();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.fire = null;
  }
}
