// Bounded exponential backoff with full jitter, for reconnecting to relays and re-probing their status.

export interface BackoffOptions {
  /** First delay in milliseconds. */
  readonly initialMs: number;
  /** Largest delay in milliseconds, whatever the number of failures. */
  readonly maxMs: number;
  /** Growth per failure (2 doubles). */
  readonly factor: number;
  /** Source of randomness in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2 };

/**
 * Counts consecutive failures and returns the delay before the next attempt: a random value in
 * [cap/2, cap], where cap = min(maxMs, initialMs · factor^failures). The half floor keeps reconnect
 * storms spread out without ever waiting longer than maxMs.
 */
export class Backoff {
  private failures = 0;
  private readonly options: Required<BackoffOptions>;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(options.initialMs > 0 && options.maxMs >= options.initialMs && options.factor >= 1)) {
      throw new RangeError('backoff needs 0 < initialMs <= maxMs and factor >= 1');
    }
    this.options = { random: Math.random, ...options };
  }

  /** Delay before the next attempt; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, factor, random } = this.options;
    const cap = Math.min(maxMs, initialMs * factor ** Math.min(this.failures, 64));
    this.failures++;
    return Math.round(cap / 2 + random() * (cap / 2));
  }

  /** Call after a success: the next failure starts again from initialMs. */
  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
