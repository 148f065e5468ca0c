// Remembers (sender, message id) pairs for as long as a frame with that id could still pass the freshness check,
// so that a replayed frame is dropped.

/** Expiry buckets per freshness window: an id is forgotten at most window / BUCKETS_PER_WINDOW after its time. */
const BUCKETS_PER_WINDOW = 32;

/** What `add` did with an id. Anything but `added` and `seen` means the frame must be refused. */
export type ReplayVerdict =
  /** Remembered now. */
  | 'added'
  /** Remembered already (a replay, or the same frame verified twice concurrently). */
  | 'seen'
  /** The sender holds its whole share of the memory: refused, nothing of anyone's forgotten. */
  | 'sender-full'
  /** The memory is full: refused, nothing forgotten before its time. */
  | 'full';

interface SenderIds {
  readonly sender: string;
  readonly ids: Set<string>;
}

/**
 * Bounded, and never forgets an id early: at most `maxEntries` ids over all senders and `maxPerSender` per
 * sender. A new id that does not fit is refused (`sender-full` / `full`) instead of evicting an older one, so no
 * amount of traffic, from one sender or many, makes a recorded frame replayable inside its freshness window.
 *
 * An id is kept until the frame's own timestamp leaves the window (ts + window; the receiver accepted
 * |ts − now| ≤ window, so that is at most now + 2·window), kept through that millisecond and forgotten at the next bucket edge. Buckets rather
 * than one ordered queue because expiries follow the senders' timestamps and are not in insertion order.
 */
export class ReplayGuard {
  private readonly bySender = new Map<string, SenderIds>();
  /** Bucket number → the ids forgotten when the clock reaches bucket × bucketMs. */
  private readonly buckets = new Map<number, { owners: SenderIds[]; ids: string[] }>();
  private readonly bucketMs: number;
  /** Every bucket up to and including this one has been forgotten. */
  private pruned = -Infinity;
  private total = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly maxPerSender: number = maxEntries,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
  }

  /** Ids remembered, over all senders. */
  get size(): number {
    return this.total;
  }

  /** Senders with at least one id remembered. */
  get senders(): number {
    return this.bySender.size;
  }

  has(sender: string, id: string): boolean {
    return this.bySender.get(sender)?.ids.has(id) ?? false;
  }

  /** Ids remembered for one sender. */
  countOf(sender: string): number {
    return this.bySender.get(sender)?.ids.size ?? 0;
  }

  /** Why a new id from `sender` would be refused at `now`, or null (checked before paying for a signature). */
  refusal(sender: string, now: number): 'sender-full' | 'full' | null {
    this.prune(now);
    if (this.countOf(sender) >= this.maxPerSender) return 'sender-full';
    return this.total >= this.maxEntries ? 'full' : null;
  }

  /**
   * Records an id seen at `now` (receiver clock) on a frame stamped `ts` (default: the latest stamp the window
   * accepts, so the id is kept the longest). Forgets ids whose time has passed first.
   */
  add(sender: string, id: string, now: number, ts: number = now + this.windowMs): ReplayVerdict {
    this.prune(now);
    let entry = this.bySender.get(sender);
    if (entry?.ids.has(id)) return 'seen'; // remembered already, since its first sighting
    if ((entry?.ids.size ?? 0) >= this.maxPerSender) return 'sender-full';
    if (this.total >= this.maxEntries) return 'full';
    if (entry === undefined) {
      entry = { sender, ids: new Set() };
      this.bySender.set(sender, entry);
    }
    entry.ids.add(id);
    this.total++;
    // Kept while a frame stamped ts is fresh (never longer than the window allows a stamp to be ahead of now).
    const expiry = Math.min(ts, now + this.windowMs) + this.windowMs;
    // A frame stamped ts is still fresh at now = ts + window (|ts − now| ≤ window), so the id must outlive that
    // millisecond: its bucket is forgotten only once the clock is strictly past the expiry.
    const bucket = Math.max(Math.floor(expiry / this.bucketMs) + 1, this.pruned + 1);
    let list = this.buckets.get(bucket);
    if (list === undefined) {
      list = { owners: [], ids: [] };
      this.buckets.set(bucket, list);
    }
    list.owners.push(entry);
    list.ids.push(id);
    return 'added';
  }

  private prune(now: number): void {
    const upTo = Math.floor(now / this.bucketMs);
    if (upTo <= this.pruned) return;
    if (this.buckets.size > 0) {
      // Walk bucket by bucket over a normal gap; over a long one (a clock jump, a quiet relay), the few live buckets.
      const numbers =
        upTo - this.pruned <= 4 * BUCKETS_PER_WINDOW
          ? range(this.pruned + 1, upTo)
          : [...this.buckets.keys()].filter((b) => b <= upTo);
      for (const b of numbers) this.forgetBucket(b);
    }
    this.pruned = upTo;
  }

  private forgetBucket(b: number): void {
    const list = this.buckets.get(b);
    if (list === undefined) return;
    this.buckets.delete(b);
    for (let i = 0; i < list.ids.length; i++) {
      const owner = list.owners[i]!;
      if (owner.ids.delete(list.ids[i]!)) this.total--;
      if (owner.ids.size === 0 && this.bySender.get(owner.sender) === owner) this.bySender.delete(owner.sender);
    }
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let b = from; b <= to; b++) out.push(b);
  return out;
}
