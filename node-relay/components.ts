// The relay's injected non-determinism: clock, randomness, timers and logger, passed around as one object.
import { randomBytes } from 'node:crypto';
import type { Logger } from './log-contract.ts';

export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock: used for frame timestamps and freshness). */
  now(): number;
  /** Monotonic milliseconds (used for uptimes and durations). */
  monotonic(): number;
}

export interface Rng {
  /** `n` random bytes (nonces, message ids, tree ids). */
  bytes(n: number): Uint8Array;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Everything the relay shell reads from the outside world besides sockets and files. */
export interface Components {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly timers: Timers;
  readonly logger: Logger;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export const systemRng: Rng = {
  bytes: (n) => new Uint8Array(randomBytes(n)),
};

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Runs `fn` every `ms` on `timers` (each run scheduled after the previous one started) until the returned
 * function is called: the relay's periodic duties run on the injected timers, never on a global interval.
 */
export function every(timers: Timers, ms: number, fn: () => void): () => void {
  let stopped = false;
  let handle: unknown = null;
  const tick = () => {
    if (stopped) return;
    handle = timers.setTimeout(tick, ms);
    fn();
  };
  handle = timers.setTimeout(tick, ms);
  return () => {
    stopped = true;
    timers.clearTimeout(handle);
  };
}

/** `overrides` with the real clock, randomness and timers filling what they leave out, and `logger` as the default
 * logger (this module loads no logger of its own: see default-components.ts). */
export function withDefaults(overrides: Partial<Components>, logger: () => Logger): Components {
  return {
    clock: overrides.clock ?? systemClock,
    rng: overrides.rng ?? systemRng,
    timers: overrides.timers ?? systemTimers,
    logger: overrides.logger ?? logger(),
  };
}
