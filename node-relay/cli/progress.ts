// Progress of long CLI commands on a terminal (stderr), silent when not a TTY so scripts see clean output.
import type { Progress } from '../../core/storage/shard-transport.ts';
import type { CliIo } from './io.ts';

const MIN_INTERVAL_MS = 200;

export function progressReporter(io: CliIo, enabled: boolean, label: string): { update: (p: Progress) => void; done: () => void } {
  let last = 0;
  let shown = false;
  const started = performance.now();
  return {
    update: (p) => {
      if (!enabled) return;
      const now = performance.now();
      if (now - last < MIN_INTERVAL_MS && p.doneBytes !== p.totalBytes) return;
      last = now;
      const mib = p.doneBytes / 1048576;
      const rate = mib / Math.max(0.001, (now - started) / 1000);
      const pct = p.totalBytes ? ` ${Math.floor((100 * p.doneBytes) / Math.max(1, p.totalBytes))}%` : '';
      io.err(`\r${label}:${pct} ${mib.toFixed(1)} MiB, ${rate.toFixed(1)} MiB/s   `);
      shown = true;
    },
    done: () => {
      if (shown) io.err('\n');
    },
  };
}
