// Token buckets keyed by address or key: `rate` tokens per second up to `burst`; one token per message.
// Pure and isomorphic (the clock is passed in). The number of buckets is bounded: the least recently used
// is forgotten first (a forgotten key starts again with a full bucket, which costs at most one burst).

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {
    if (!(rate > 0) || !(burst >= 1) || !(maxEntries >= 1))
      throw new RangeError('token bucket rate, burst and size must be positive');
  }

  /** Takes one token for `key`; false when its bucket is empty (the message is over the rate). */
  take(key: string): boolean {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.burst, at: t };
      if (this.buckets.size >= this.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, t - b.at) * this.rate) / 1000);
      b.at = t;
      this.buckets.delete(key); // re-insert: most recently used last
    }
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Strikes against one connection: each refused message adds one, `forgivenPerSecond` are forgiven; true
 * from add() when the total reaches `max` (the caller then closes the connection). */
export class Strikes {
  private strikes = 0;
  private at = 0;

  constructor(
    private readonly max: number,
    private readonly forgivenPerSecond: number,
    private readonly now: () => number,
  ) {}

  add(): boolean {
    const t = this.now();
    this.strikes = Math.max(0, this.strikes - (Math.max(0, t - this.at) * this.forgivenPerSecond) / 1000) + 1;
    this.at = t;
    return this.strikes >= this.max;
  }
}
