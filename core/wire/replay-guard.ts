// Remembers (sender, message id) pairs for the freshness window so that a replayed frame is dropped.

/**
 * Bounded: at most `maxEntries` ids; when full, the oldest are forgotten first. Because frames older than
 * the freshness window are refused anyway, an id only needs remembering until its timestamp leaves the window.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  has(sender: string, id: string): boolean {
    return this.seen.has(`${sender}:${id}`);
  }

  /** Records an id seen at `now` (receiver clock); forgets ids whose window has passed. */
  add(sender: string, id: string, now: number): void {
    this.prune(now);
    if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(`${sender}:${id}`, now + 2 * this.windowMs);
  }

  private prune(now: number): void {
    // Map iteration is insertion order, and expiry grows with insertion time: stop at the first live entry.
    for (const [key, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(key);
    }
  }
}
