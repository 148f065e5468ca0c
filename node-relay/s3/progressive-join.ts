// The progressive join of a multipart upload: parts that arrive in order stream straight into the one file the
// object will be (no file of their own, no second upload at Complete); a part ahead of its turn waits a little
// (its body held back by TCP) and is otherwise stored on its own, to be appended at Complete. The join is a guess:
// a part uploaded again, or a Complete naming other parts, makes Complete read the joined parts back as ranges.
import { S3_ENDED_UPLOADS_REMEMBERED, S3_JOIN_IDLE_MS, S3_JOIN_WAIT_MS, S3_MAX_OPEN_JOINS } from '../../core/limits.ts';
import type { PeerTreeStore, PutOutcome } from './peertree-store.ts';
import { turnOf, type JoinedEntry } from './join-plan.ts';
import type { SavedJoins } from './saved-joins.ts';

/** Push-to-pull hand-over of one piece at a time: push resolves once the put took the piece (backpressure). */
class Feed {
  private piece: Uint8Array | null = null;
  private taken: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  private arrived: (() => void) | null = null;
  private ended = false;
  private failure: unknown = null;

  push(bytes: Uint8Array): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.piece = bytes;
      this.taken = { resolve, reject };
      this.wake();
    });
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The put ended (or failed): pushes from now on, and one waiting, fail with `err`. */
  fail(err: unknown): void {
    this.failure = err;
    this.taken?.reject(err);
    this.taken = null;
    this.piece = null;
  }

  private wake(): void {
    const a = this.arrived;
    this.arrived = null;
    a?.();
  }

  async *stream(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.piece === null && !this.ended) await new Promise<void>((r) => (this.arrived = r));
      if (this.piece !== null) {
        const out = this.piece;
        const taken = this.taken;
        this.piece = null;
        this.taken = null;
        yield out;
        taken?.resolve();
        continue;
      }
      if (this.ended) return;
    }
  }
}

export class Join {
  readonly entries: JoinedEntry[] = [];
  private next = 1;
  private offset = 0;
  private busy = false;
  private closed = false;
  private idle: (() => void) | null = null;
  private readonly waiters = new Map<number, (granted: boolean) => void>();
  private readonly feed = new Feed();
  private readonly stop = { aborted: false };
  private readonly putting: Promise<PutOutcome | null>;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    store: PeerTreeStore,
    name: string,
    type: string,
    private readonly releaseFile: (capability: string) => void,
    onShard?: (hash: string) => void,
  ) {
    this.putting = store.put(this.feed.stream(), name, type, this.stop, onShard).then(
      (outcome) => outcome,
      (err: unknown) => {
        this.feed.fail(err);
        this.closed = true;
        return null;
      },
    );
    this.touch();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.finish(), S3_JOIN_IDLE_MS);
    this.idleTimer.unref();
  }

  /** Waits (bounded) until part `n` is next and the join free; true when the caller now streams it in. */
  async claim(n: number): Promise<boolean> {
    const turn = turnOf({ closed: this.closed, next: this.next, busy: this.busy, waiting: this.waiters.has(n) }, n);
    if (turn === 'refuse') return false;
    if (turn === 'now') return (this.busy = true);
    const woken = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(n);
        resolve(false);
      }, S3_JOIN_WAIT_MS);
      // Granted synchronously, so that nothing else claims the join between the release and this part's start.
      this.waiters.set(n, (granted) => {
        clearTimeout(timer);
        this.waiters.delete(n);
        if (granted) this.busy = true;
        resolve(granted);
      });
    });
    return woken;
  }

  /** Streams one claimed part in (rejects when the joined put failed); the caller then calls release. */
  async take(bytes: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const piece of bytes) await this.feed.push(piece);
  }

  /** Ends the claim: the part is in (its entry) or it failed (null: what it fed cannot be used, the join closes). */
  release(entry: Omit<JoinedEntry, 'offset'> | null): void {
    this.busy = false;
    this.touch();
    // A part fully fed is in the file even when the join closed meanwhile (idle, Complete): it is recorded.
    if (entry) {
      this.entries.push({ ...entry, offset: this.offset });
      this.offset += entry.size;
      this.next = entry.partNumber + 1;
    } else this.closed = true;
    const idle = this.idle;
    this.idle = null;
    idle?.();
    if (this.closed) void this.finish();
    else this.waiters.get(this.next)?.(true);
  }

  /** Whether the join still takes parts (Complete can append to it). */
  get open(): boolean {
    return !this.closed;
  }

  /** Waits until no part streams in, then stops new claims. */
  private async quiesce(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.waiters.values()]) wake(false);
    while (this.busy) await new Promise<void>((r) => (this.idle = r));
  }

  /** Appends `bytes` after the joined parts and ends the file: its capability, or null if the put failed. */
  async complete(rest: AsyncIterable<Uint8Array>): Promise<PutOutcome | null> {
    await this.quiesce();
    try {
      for await (const piece of rest) await this.feed.push(piece);
    } catch (err) {
      this.abort();
      throw err;
    }
    return this.finish();
  }

  /** Ends the file as it is (the entries stay readable as ranges of it): its capability, or null. */
  async finish(): Promise<PutOutcome | null> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.quiesce();
    this.feed.end();
    return this.putting;
  }

  /** Drops the join: the put ends and releases what it stored; a file it already ended is released. */
  abort(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.stop.aborted = true;
    this.closed = true;
    for (const wake of [...this.waiters.values()]) wake(false);
    this.feed.fail(new Error('the upload was aborted'));
    this.feed.end();
    void this.putting.then((outcome) => outcome && this.releaseFile(outcome.capability));
  }
}

/** The gateway's open joins, by upload id (bounded by S3_MAX_OPEN_JOINS). */
export class Joins {
  private readonly open = new Map<string, Join>();
  /** Uploads whose join Complete or Abort took: a part racing them must not start a new one. */
  private readonly ended = new Set<string>();
  constructor(
    private readonly store: PeerTreeStore,
    private readonly releaseFile: (capability: string) => void,
    private readonly saved: SavedJoins,
  ) {}

  /** The upload's join, started for its first part when there is room; undefined otherwise. */
  start(uploadId: string, name: string, type: string): Join | undefined {
    const found = this.open.get(uploadId);
    // A join saved at a stop holds the first parts: later ones are stored on their own, for Complete's rejoin.
    if (found || this.ended.has(uploadId) || this.saved.has(uploadId)) return found;
    // Joins closed on idle stay (Complete reads their parts back) but no longer hold a put slot: not counted.
    if ([...this.open.values()].filter((j) => j.open).length >= S3_MAX_OPEN_JOINS) return undefined;
    const join = new Join(this.store, name, type, this.releaseFile, (hash) => this.saved.shardSent(uploadId, hash));
    this.open.set(uploadId, join);
    return join;
  }

  /** The gateway stops: every join's file is ended as it is and saved, for Complete after the restart. */
  async close(): Promise<void> {
    for (const [id, join] of [...this.open]) {
      this.open.delete(id);
      const spec = await join.finish();
      if (spec) this.saved.save(id, spec.capability, join.entries);
      else this.saved.forgetShards(id);
    }
  }

  /** Forgets the upload's join (after Complete or Abort took it). */
  take(uploadId: string): Join | undefined {
    const join = this.open.get(uploadId);
    this.open.delete(uploadId);
    if (this.ended.size >= S3_ENDED_UPLOADS_REMEMBERED) this.ended.clear();
    this.ended.add(uploadId);
    return join;
  }
}
