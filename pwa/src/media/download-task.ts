// A download that tells how it goes and can be stopped: fetches, verifies and decrypts a capability (the same
// openCapability as everywhere), reports percent, speed and time left (state/progress-figures.ts), and on
// cancel stops asking for shards, rejects, and drops from this device's cache the shards it fetched: nothing
// partial stays behind, and the caller saves nothing unless the promise resolves.
import { PeerTreeError } from '../../../core/errors.ts';
import type { Manifest } from '../../../core/storage/manifest.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import { openCapability, type OpenedFile } from '../sync/open-file.ts';
import { progressFigures, type ProgressFigures } from '../state/progress-figures.ts';

export interface DownloadTask {
  /** Resolves with the verified file; rejects when it fails or was cancelled (then `cancelled` is true). */
  readonly done: Promise<OpenedFile>;
  cancel(): void;
  readonly cancelled: boolean;
}

export interface DownloadOptions {
  onProgress?(figures: ProgressFigures, doneBytes: number, totalBytes: number): void;
  onManifest?(manifest: Manifest): void;
  /** The cache the transport writes to: shards this download added are deleted again after a cancel. */
  cache?: Pick<ShardStore, 'has' | 'delete'>;
  /** More shards to delete after a cancel (read for this file before the download started, e.g. its manifest). */
  alsoForget?: readonly string[];
  now?(): number;
}

const stopped = (): PeerTreeError => new PeerTreeError('CLOSED', 'the download was cancelled');

export function startDownload(capability: string, inner: ShardTransport, options: DownloadOptions = {}): DownloadTask {
  const controller = new AbortController();
  const signal = controller.signal;
  const now = options.now ?? Date.now;
  const startedAt = now();
  /** Shards not in the cache before this download asked for them, and the fetches still running. */
  const fresh = new Set<string>();
  const running = new Set<Promise<unknown>>();
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(stopped())));
  aborted.catch(() => {}); // only raced below
  const fetchShard = async (hash: string): Promise<Uint8Array> => {
    if (signal.aborted) throw stopped();
    if (options.cache && !(await options.cache.has(hash).catch(() => true))) fresh.add(hash);
    if (signal.aborted) throw stopped();
    const fetching = inner.fetchShard(hash);
    running.add(fetching);
    void fetching.catch(() => {}).finally(() => running.delete(fetching));
    // A cancel does not wait for the shard in flight: its answer is dropped (and its cached copy deleted below).
    return Promise.race([fetching, aborted]);
  };
  const transport: ShardTransport = {
    storeShard: (hash, bytes, replicas, digest) => inner.storeShard(hash, bytes, replicas, digest),
    fetchShard,
    ...(inner.digestOf ? { digestOf: (bytes: Uint8Array) => inner.digestOf!(bytes) } : {}),
    ...(inner.window ? { window: () => inner.window!() } : {}),
  };
  const forget = async (): Promise<void> => {
    // Fetches may still be starting (past their cache check) when the cancel comes: wait until none runs.
    while (running.size > 0) await Promise.allSettled([...running]);
    const hashes = [...fresh, ...(options.alsoForget ?? [])];
    if (options.cache) await Promise.allSettled(hashes.map((hash) => options.cache!.delete(hash)));
  };
  const done = openCapability(
    capability,
    transport,
    (doneBytes, totalBytes) => {
      if (signal.aborted) return;
      const f = progressFigures({ done: doneBytes, total: totalBytes, startDone: 0, startedAt }, totalBytes, now());
      options.onProgress?.(f, doneBytes, totalBytes);
    },
    (m) => {
      if (!signal.aborted) options.onManifest?.(m);
    },
  ).then(
    (opened) => {
      // A cancel that came while the last shard was checked still wins: nothing is handed back.
      if (signal.aborted) throw stopped();
      return opened;
    },
    (err: unknown) => {
      throw signal.aborted ? stopped() : err;
    },
  );
  const settled = done.catch(async () => {
    if (signal.aborted) await forget();
  });
  return {
    // Rejects only after a cancelled download's shards are gone from the cache.
    done: done.catch(async (err: unknown) => {
      await settled;
      throw err;
    }),
    cancel: () => controller.abort(),
    get cancelled() {
      return signal.aborted;
    },
  };
}
