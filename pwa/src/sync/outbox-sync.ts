// Delivers the outbox: for each queued upload, sends every shard and then the manifest with `shard.store`,
// signed at send time, and removes the item only after the relay acknowledged n holders for each of them.
// Runs in the page and in the service worker (Background Sync); a Web Lock keeps them from working at once.
// It is the only writer of outbox items: the library asks it to enqueue, cancel and release. What to do after a
// failure, and in which order, is decided by the pure policy in core/outbox/policy.ts; this is its thin shell.
import { toPeerTreeError } from '../../../core/errors.ts';
import {
  afterFailure,
  classifyFailure,
  continuesAfter,
  dueInOrder,
  failureOf,
  memoryStep,
  nextWake,
  uploadAfterFailure,
  type Verdict,
} from '../../../core/outbox/policy.ts';
import type { FileRecord, OutboxItem } from '../data/db.ts';
import { outboxItems, patchFile } from '../data/files-repo.ts';
import { memoryItemId, saveAcks, writeMemory, writeRemoval, writeUpload } from './outbox-store.ts';
import { runBounded } from './run-bounded.ts';
import { unpinOrNothing, type OutboxSyncDeps } from './outbox-transport.ts';
import { OUTBOX_LOCKED_RETRY_MS } from '../../../core/limits.ts';

export const OUTBOX_LOCK = 'peertree-outbox';
/** Shards being stored at once per upload (each is at most one shard in memory). */
export const SYNC_CONCURRENCY = 4;

export type { MemoryRequest, OutboxSyncDeps, OutboxTransport } from './outbox-transport.ts';

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

  /** Resolves once no pass runs or is due to follow (for callers that wait for what `kick` started). */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
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
    if (!held) this.wakeAt(this.now() + OUTBOX_LOCKED_RETRY_MS);
  }

  /** Queues a sealed file's upload (and its memory, when the person made it findable) with the file marked queued. */
  async enqueueUpload(file: FileRecord): Promise<void> {
    await writeUpload(this.deps.db, file, this.now());
    this.queued();
  }

  /** Queues a plain memory (a note, or a description of a capability); returns its outbox id. */
  async enqueueMemory(memory: NonNullable<OutboxItem['memory']>): Promise<string> {
    const id = await writeMemory(this.deps.db, memory, this.now());
    this.queued();
    return id;
  }

  /**
   * Removes a file from this device (record, upload, memory, cached shards no other file uses). With `release`,
   * queues signed releases of what relays may hold; returns how many shards are to be released.
   */
  async remove(id: string, release: boolean): Promise<number> {
    const { releasing } = await writeRemoval(
      this.deps.db,
      id,
      release,
      (hash) => this.deps.store.delete(hash),
      this.now(),
    );
    if (releasing > 0) this.queued();
    return releasing;
  }

  private queued(): void {
    this.kick();
    this.deps.onQueued?.();
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
    for (const item of dueInOrder(await outboxItems(this.deps.db), this.now(), reconnected)) {
      if (!this.deps.isConnected()) break;
      const ok = await this.deliver(item);
      if (!ok) break;
    }
    await this.scheduleFromOutbox();
  }

  /** Classifies a failure with the policy and persists what it means for the item; returns the verdict. */
  private async failed(id: string, err: unknown, attempts?: number): Promise<Verdict> {
    const e = toPeerTreeError(err);
    const verdict = classifyFailure(failureOf(e, err instanceof MissingShard));
    const latest = await this.deps.db.get('outbox', id);
    if (latest)
      await this.deps.db.put('outbox', {
        ...latest,
        ...afterFailure(verdict, attempts ?? latest.attempts + 1, `${e.code}: ${e.message}`, this.now(), this.random()),
      });
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
      const file = await db.get('files', fileId);
      const step = memoryStep({
        uploadPending: (await db.getKey('outbox', fileId)) !== undefined,
        stored: file?.status === 'stored',
      });
      if (step === 'wait') return true; // the file is still on its way: look again next pass
      if (step === 'drop') {
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
      if (verdict.kind === 'final' && fileId !== null)
        await patchFile(db, fileId, { memoryError: `${verdict.reason} (${toPeerTreeError(err).code})` });
      this.deps.onChange(fileId ?? item.id);
      return continuesAfter(verdict);
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
      return continuesAfter(verdict);
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
      if (file)
        await tx
          .objectStore('files')
          .put({ ...file, status: 'stored', replicas: holders, wanted: replicas, error: null, waiting: null });
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
      await patchFile(db, id, uploadAfterFailure(verdict));
      this.deps.onChange(id);
      return continuesAfter(verdict);
    }
  }
}
