// The file system under the data folder, sampled now and then (fs.statfs) for /metrics and the admin status:
// its size and free bytes, and the --capacity the operator set. Sampling is cheap but not free, so the
// last sample is served between samples.
import { statfs } from 'node:fs/promises';
import { DISK_SAMPLE_INTERVAL_MS } from '../../core/limits.ts';

export interface DiskUsage {
  /** Size of the file system holding the data folder, in bytes (null until the first sample). */
  readonly sizeBytes: number | null;
  /** Bytes free for this process (unprivileged) on that file system. */
  readonly freeBytes: number | null;
  /** --capacity (bytes of shards this relay keeps at most); null when not set. */
  readonly capacityBytes: number | null;
}

export interface DiskSampler {
  current(): DiskUsage;
  /** Takes a sample now (tests; the timer does it otherwise). */
  sample(): Promise<void>;
  stop(): void;
}

export function startDiskSampler(
  dir: string,
  capacityBytes: number | null,
  intervalMs = DISK_SAMPLE_INTERVAL_MS,
): DiskSampler {
  let usage: DiskUsage = { sizeBytes: null, freeBytes: null, capacityBytes };
  const sample = async () => {
    try {
      const s = await statfs(dir);
      usage = { sizeBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize, capacityBytes };
    } catch {
      // The folder vanished or the file system does not say: keep the last sample.
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), intervalMs);
  timer.unref();
  return { current: () => usage, sample, stop: () => clearInterval(timer) };
}
