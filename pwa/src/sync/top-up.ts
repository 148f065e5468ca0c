// Tops up this device's files stored on fewer relays than asked (core/outbox/top-up.ts decides when): once the
// tree has grown, each piece is offered again with `shard.store` at the full replica count, which makes the
// relay place the missing copies, and the row shows how many relays now hold every piece. The relays' own
// repair sweep adds copies too (they keep the target a file was stored with); this makes the count real and
// the copies prompt without waiting for a sweep.
import {
  afterLook,
  belowTarget,
  needsTopUp,
  nextLookIn,
  START_CLOCK,
  type TopUpClock,
} from '../../../core/outbox/top-up.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { StoreReceipt } from '../../../core/storage/shard-transport.ts';
import type { FileEntry } from '../data/library.ts';

export interface TopUpDeps {
  files(): readonly FileEntry[];
  readonly store: ShardStore;
  readonly transport: { storeShard(hash: string, bytes: Uint8Array, replicas: number): Promise<StoreReceipt> };
  /** The tree's size and the replica count relays are configured for (GET /api/status). */
  tree(): Promise<{ size: number; target: number }>;
  isConnected(): boolean;
  /** Every piece of the file is now on `replicas` relays. */
  setReplicas(id: string, replicas: number): Promise<void>;
  now?: () => number;
}

export class TopUp {
  private clock: TopUpClock;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** A restart asked for while a look ran: that look may have missed the file that caused it. */
  private rerun = false;
  private readonly now: () => number;

  constructor(private readonly deps: TopUpDeps) {
    this.now = deps.now ?? Date.now;
    this.clock = START_CLOCK(this.now());
  }

  /** Starts looking again from the first, short pause (after a reconnect, or a file stored below its target). */
  restart(): void {
    this.clock = START_CLOCK(this.now());
    this.arm(0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.look();
    }, delay);
  }

  private async look(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    let again = true;
    try {
      if (!this.deps.isConnected()) return; // a reconnect calls restart()
      const tree = await this.deps.tree();
      this.clock = afterLook(this.clock, tree.size, this.now());
      const files = this.deps.files();
      for (const f of files) {
        if (!needsTopUp(f, tree.target, tree.size) || !this.deps.isConnected()) continue;
        await this.topUp(f, tree.target);
      }
      // Nothing below its target any more: no reason to look until another file is stored below it.
      again = this.deps.files().some((f) => belowTarget(f, tree.target));
    } catch {
      // No answer about the tree now: look again later, on the same backoff.
    } finally {
      this.running = false;
      const delay = this.rerun ? 0 : again ? nextLookIn(this.clock, this.now()) : null;
      this.rerun = false;
      if (delay !== null) this.arm(delay);
    }
  }

  /** Offers every piece again (data first, the manifest last, as an upload does) and records the real count. */
  private async topUp(f: FileEntry, target: number): Promise<void> {
    let holders = Infinity;
    for (const hash of f.shards) {
      const bytes = await this.deps.store.get(hash);
      // A file listed from the library has only its manifest here: the relays' repair sweep tops it up.
      if (!bytes) return;
      try {
        const receipt = await this.deps.transport.storeShard(hash, bytes, target);
        holders = Math.min(holders, receipt.holders.length);
      } catch {
        // A refusal or a lost connection: the count stays as it was; the next look tries again.
        return;
      }
    }
    if (Number.isFinite(holders) && holders > (f.replicas ?? 0)) await this.deps.setReplicas(f.id, holders);
  }
}
