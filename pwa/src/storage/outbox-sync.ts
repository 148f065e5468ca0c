// Delivers the outbox: for each queued upload, sends every shard and then the manifest with `shard.store`,
// signed at send time, and removes the item only after the relay acknowledged n holders for each of them.
// Runs in the page and in the service worker (Background Sync); a Web Lock keeps them from working at once.
import { toPeerTreeError } from '../../../core/errors.ts';
import { classifyFailure, isDue, nextAttemptAt, nextWake, type Verdict } from '../../../core/outbox/policy.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import type { OutboxItem, PeerTreeDatabase } from '../db.ts';
import { memoryItemId, outboxItems, patchFile } from './files-repo.ts';

export const OUTBOX_LOCK = 'peertree-outbox';
/** Shards being stored at once per upload (each is at most one shard in memory). */
export const SYNC_CONCURRENCY = 4;
/** Another context holds the outbox lock: look again after this long. */
const LOCKED_RETRY_MS = 2_000;

/** What a memory item asks to remember (signed by the transport at send time). */
export interface MemoryRequest {
  readonly text: string;
  readonly tags: readonly string[];
  readonly ref: string | null;
}

/** Stores shards, releases this device's pins on them (signed `shard.unpin`), and stores signed memories. */
export interface OutboxTransport extends ShardTransport {
  unpin(hash: string): Promise<number>;
  /** Signs the memory now and stores it on `replicas` relays; resolves with its id once they hold it. */
  remember(memory: MemoryRequest, replicas: number): Promise<{ id: string; holders: string[] }>;
}

export interface OutboxSyncDeps {
  readonly db: PeerTreeDatabase;
  readonly store: ShardStore;
  readonly transport: OutboxTransport;
  /** True while a relay connection is ready for requests. */
  isConnected(): boolean;
  /** Replicas to ask for: min(relay's configured replicas, relays in the tree). */
  replicas(): Promise<number>;
  /**
   * Copies of a file's pieces to ask for: the relays' configured count even when the tree is smaller (they
   * store what they can and keep the target, so copies are added as relays join). Absent: `replicas()`.
   */
  targetReplicas?(): Promise<number>;
  /** A file record or its upload changed in IndexedDB. */
  onChange(id: string): void;
  /** Upload progress (not persisted): shards acknowledged of all shards. */
  onProgress?(id: string, acked: number, total: number): void;
}

/** A shard the outbox needs is gone from this device (storage cleared): the upload cannot finish. */
class MissingShard extends Error {}
/** The person cancelled (removed) the upload while it ran: no further shard is sent. */
class Cancelled extends Error {}

export class OutboxSync {
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private againReconnected = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: OutboxSyncDeps & { now?: () => number; random?: () => number }) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  /**
   * Starts delivering (or notes that another pass is needed once the current one ends). With `reconnected`
   * (the connection just came back) items waiting out a backoff are tried at once.
   */
  kick(reconnected = false): void {
    if (this.running) {
      this.again = true;
      this.againReconnected ||= reconnected;
      return;
    }
    clearTimeout(this.retryTimer);
    this.running = this.drain(reconnected).finally(() => {
      this.running = null;
      if (this.again) {
        const r = this.againReconnected;
        this.again = false;
        this.againReconnected = false;
        this.kick(r);
      }
    });
  }

  /** Delivers every item that is due once; resolves when done or when the connection is gone. */
  async drain(reconnected = false): Promise<void> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) return this.pass(reconnected);
    let held = false;
    await locks.request(OUTBOX_LOCK, { ifAvailable: true }, async (lock) => {
      if (!lock) return;
      held = true;
      await this.pass(reconnected);
    });
    // Another context (a tab, or the service worker) is delivering: look again later.
    if (!held) this.wakeAt(this.now() + LOCKED_RETRY_MS);
  }

  /** The user's retry of a file's refused memory: the item becomes deliverable again. */
  async retryMemory(fileId: string): Promise<void> {
    const item = await this.deps.db.get('outbox', memoryItemId(fileId));
    if (item) await this.deps.db.put('outbox', { ...item, stopped: false, lastError: null, nextAttemptAt: null });
    await patchFile(this.deps.db, fileId, { memoryError: null });
    this.deps.onChange(fileId);
    this.kick(true);
  }

  /** Sends the user's retry: a stopped item becomes deliverable again. */
  async retry(id: string): Promise<void> {
    const item = await this.deps.db.get('outbox', id);
    if (!item) return;
    await this.deps.db.put('outbox', { ...item, stopped: false, lastError: null, nextAttemptAt: null, attempts: 0 });
    await patchFile(this.deps.db, id, { status: 'queued', error: null, waiting: null });
    this.deps.onChange(id);
    this.kick(true);
  }

  /** Stops scheduled retries (the service worker's run is over). */
  stop(): void {
    clearTimeout(this.retryTimer);
    this.stopped = true;
  }

  private stopped = false;

  /** Wakes up at `at` (ms) to deliver what is due then. */
  private wakeAt(at: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), Math.max(0, at - this.now()));
  }

  /** Schedules the next pass at the earliest time a waiting item becomes due. */
  private async scheduleFromOutbox(): Promise<void> {
    const at = nextWake(await outboxItems(this.deps.db), this.now());
    if (at !== null) this.wakeAt(at);
  }

  private async pass(reconnected: boolean): Promise<void> {
    const items = await outboxItems(this.deps.db);
    for (const item of items) {
      if (!isDue(item, this.now(), reconnected)) continue;
      if (!this.deps.isConnected()) break;
      const ok = await this.deliver(item);
      if (!ok) break;
    }
    await this.scheduleFromOutbox();
  }

  /** Classifies a failure with the policy and persists what it means for the item; returns the verdict. */
  private async failed(id: string, err: unknown, attempts?: number): Promise<Verdict> {
    const e = toPeerTreeError(err);
    const verdict = classifyFailure({ code: err instanceof MissingShard ? 'MISSING' : e.refused ? e.code : e.code === 'INTERNAL' ? 'CONNECTION' : e.code, refused: e.refused, message: e.message });
    const latest = await this.deps.db.get('outbox', id);
    if (latest) {
      const n = attempts ?? latest.attempts + 1;
      const final = verdict.kind === 'final';
      await this.deps.db.put('outbox', { ...latest, attempts: n, lastError: `${e.code}: ${e.message}`, stopped: final, nextAttemptAt: final ? null : nextAttemptAt(n, this.now(), this.random()) });
    }
    return verdict;
  }

  /** Returns false when delivery should pause (connection trouble); true to go on with the next item. */
  private async deliver(start: OutboxItem): Promise<boolean> {
    if (start.kind === 'memory') return this.remember(start);
    return start.kind === 'release' ? this.release(start) : this.upload(start);
  }

  /**
   * Sends a memory (signed now). One that describes a file waits until the file's upload left the outbox
   * (its `ref` must resolve); it is dropped when the file is gone. On success the file learns the memory id.
   */
  private async remember(item: OutboxItem): Promise<boolean> {
    const { db, transport } = this.deps;
    const fileId = item.fileId ?? null;
    if (!item.memory) {
      await db.delete('outbox', item.id);
      return true;
    }
    if (fileId !== null) {
      if (await db.get('outbox', fileId)) return true; // the file is still on its way: look again next pass
      const file = await db.get('files', fileId);
      if (!file || file.status !== 'stored') {
        await db.delete('outbox', item.id);
        this.deps.onChange(item.id);
        return true;
      }
    }
    try {
      const replicas = item.replicas ?? (await this.deps.replicas());
      const stored = await transport.remember(item.memory, replicas);
      const tx = db.transaction(['files', 'outbox'], 'readwrite');
      await tx.objectStore('outbox').delete(item.id);
      const file = fileId === null ? undefined : await tx.objectStore('files').get(fileId);
      if (file) await tx.objectStore('files').put({ ...file, memoryId: stored.id, memoryError: null });
      await tx.done;
      this.deps.onChange(fileId ?? item.id);
      return true;
    } catch (err) {
      const verdict = await this.failed(item.id, err);
      const final = verdict.kind === 'final';
      if (final && fileId !== null) await patchFile(db, fileId, { memoryError: `${verdict.reason} (${toPeerTreeError(err).code})` });
      this.deps.onChange(fileId ?? item.id);
      return final;
    }
  }

  /** Sends the signed releases of a deleted file; the item leaves once every shard's release was answered. */
  private async release(item: OutboxItem): Promise<boolean> {
    const { db, transport } = this.deps;
    try {
      const done: Record<string, number> = { ...item.acked };
      for (const hash of item.shards) {
        if (hash in done) continue;
        done[hash] = await unpinOrNothing(transport, hash);
        await saveAcks(db, item.id, done);
      }
      await db.delete('outbox', item.id);
      this.deps.onChange(item.id);
      return true;
    } catch (err) {
      const verdict = await this.failed(item.id, err);
      this.deps.onChange(item.id);
      return verdict.kind === 'final';
    }
  }

  private async upload(start: OutboxItem): Promise<boolean> {
    const { db, store, transport } = this.deps;
    const id = start.id;
    let item: OutboxItem = { ...start, attempts: start.attempts + 1 };
    try {
      const replicas = item.replicas ?? (await (this.deps.targetReplicas ?? this.deps.replicas)());
      item = { ...item, replicas };
      if (!(await db.get('outbox', id))) return true; // removed by the user meanwhile
      await db.put('outbox', item);
      await patchFile(db, id, { status: 'uploading', error: null, waiting: null });
      this.deps.onChange(id);

      const acked: Record<string, number> = { ...item.acked };
      const total = item.shards.length;
      const report = (): void => this.deps.onProgress?.(id, Object.keys(acked).length, total);
      report();
      const send = async (hash: string): Promise<void> => {
        // A cancelled upload stops at the next shard; its release item (written with the removal) runs after
        // this upload returns, so shards still in flight are released too.
        if ((await db.getKey('outbox', id)) === undefined) throw new Cancelled('the upload was cancelled');
        const bytes = await store.get(hash);
        if (!bytes) throw new MissingShard(`shard ${hash.slice(0, 12)}… is no longer on this device`);
        const receipt = await transport.storeShard(hash, bytes, replicas);
        acked[hash] = receipt.holders.length;
        // Progress survives a closed tab: a reopened page sends only what is still missing.
        await saveAcks(db, id, acked);
        report();
      };
      const manifest = item.shards[item.shards.length - 1]!;
      const data = item.shards.slice(0, -1).filter((h) => !(h in acked));
      await runBounded(data, SYNC_CONCURRENCY, send);
      // The manifest goes last: a capability must never name a file whose data is not held yet.
      if (!(manifest in acked)) await send(manifest);

      const holders = Math.min(...item.shards.map((h) => acked[h] ?? 0));
      const tx = db.transaction(['files', 'outbox'], 'readwrite');
      const file = await tx.objectStore('files').get(id);
      await tx.objectStore('outbox').delete(id);
      if (file) await tx.objectStore('files').put({ ...file, status: 'stored', replicas: holders, wanted: replicas, error: null, waiting: null });
      await tx.done;
      this.deps.onChange(id);
      return true;
    } catch (err) {
      if (err instanceof Cancelled) {
        this.deps.onChange(id);
        return true;
      }
      // The policy (core/outbox/policy.ts) decides: a final refusal shows as an error and waits for the
      // person; anything that may pass keeps the file queued, says what it waits for, and backs off.
      const verdict = await this.failed(id, err, item.attempts);
      const final = verdict.kind === 'final';
      await patchFile(db, id, final ? { status: 'error', error: verdict.reason, waiting: null } : { status: 'queued', error: null, waiting: verdict.reason });
      this.deps.onChange(id);
      return final;
    }
  }
}

/**
 * Releases this device's pin on `hash`. A relay refuses (FORBIDDEN) a release when no relay holds a pin of this
 * key on the shard: nothing is left to release, which is what the release wanted (a cancelled upload lists
 * shards that never left, and a release sent twice finds its pin gone), so that counts as 0 released.
 */
async function unpinOrNothing(transport: OutboxTransport, hash: string): Promise<number> {
  try {
    return await transport.unpin(hash);
  } catch (err) {
    const e = toPeerTreeError(err);
    if (e.refused && e.code === 'FORBIDDEN') return 0;
    throw err;
  }
}

/** Records acknowledgements, unless the item was deleted meanwhile (the user removed the file). */
async function saveAcks(db: PeerTreeDatabase, id: string, acked: Record<string, number>): Promise<void> {
  const tx = db.transaction('outbox', 'readwrite');
  const current = await tx.store.get(id);
  if (current) await tx.store.put({ ...current, acked: { ...current.acked, ...acked } });
  await tx.done;
}

/** Runs `task` over `items` with at most `limit` at once; stops starting new ones after the first failure. */
export async function runBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
