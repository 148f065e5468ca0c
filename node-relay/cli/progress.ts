// Progress of long CLI commands: a cli-progress bar on a terminal (stderr), silent when not a TTY so that
// scripts see clean output.
import { SingleBar } from 'cli-progress';
import type { Progress } from '../../core/storage/shard-transport.ts';
import type { CliIo } from './io.ts';

export interface ProgressReporter {
  update(p: Progress): void;
  done(): void;
}

const SILENT: ProgressReporter = { update: () => {}, done: () => {} };

export function progressReporter(_io: CliIo, enabled: boolean, label: string): ProgressReporter {
  if (!enabled) return SILENT;
  const started = performance.now();
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {rate} MiB/s | eta {eta}s`,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 20,
  });
  let running = false;
  return {
    update: (p) => {
      const total = p.totalBytes ?? p.doneBytes;
      const payload = {
        doneMiB: (p.doneBytes / 1048576).toFixed(1),
        totalMiB: (total / 1048576).toFixed(1),
        rate: (p.doneBytes / 1048576 / Math.max(0.001, (performance.now() - started) / 1000)).toFixed(1),
      };
      if (!running) {
        bar.start(Math.max(1, total), p.doneBytes, payload);
        running = true;
      } else {
        bar.setTotal(Math.max(1, total));
        bar.update(p.doneBytes, payload);
      }
    },
    done: () => {
      if (running) bar.stop();
    },
  };
}
