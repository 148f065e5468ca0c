// Pure figures for a progress line: percent, speed and time left, from what was done since a phase started.
import { formatBytes } from '../ui/format.ts';
import { PROGRESS_MIN_MEASURE_MS } from '../../../core/limits.ts';

export interface ProgressFigures {
  /** 0..100, rounded down (100 only when done). */
  readonly percent: number;
  /** Bytes per second since the phase started; null until there is something to measure. */
  readonly bytesPerSecond: number | null;
  /** Seconds left at that speed; null when unknown. */
  readonly secondsLeft: number | null;
}

/**
 * `done`/`total` in units (bytes, or shards of a file of `bytesTotal` bytes), `startDone` done when the phase
 * started at `startedAt`; `now` passed in.
 */
export function progressFigures(
  p: { done: number; total: number; startDone: number; startedAt: number },
  bytesTotal: number,
  now: number,
): ProgressFigures {
  const total = Math.max(0, p.total);
  const done = Math.min(Math.max(0, p.done), total);
  const fraction = total === 0 ? 0 : done / total;
  const percent = done >= total && total > 0 ? 100 : Math.min(99, Math.floor(fraction * 100));
  const elapsed = now - p.startedAt;
  const moved = ((done - Math.min(p.startDone, done)) / Math.max(1, total)) * bytesTotal;
  if (elapsed < PROGRESS_MIN_MEASURE_MS || moved <= 0) return { percent, bytesPerSecond: null, secondsLeft: null };
  const bytesPerSecond = (moved * 1000) / elapsed;
  const left = (1 - fraction) * bytesTotal;
  return { percent, bytesPerSecond, secondsLeft: Math.ceil(left / bytesPerSecond) };
}

/** "1 min 5 s", "12 s", "2 h 3 min" */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** "45% · 3.2 MiB/s · about 12 s left", or "45%" before the speed is known. */
export function progressLine(f: ProgressFigures): string {
  const parts = [`${f.percent}%`];
  if (f.bytesPerSecond !== null) parts.push(`${formatBytes(f.bytesPerSecond)}/s`);
  if (f.secondsLeft !== null && f.percent < 100) parts.push(`about ${formatDuration(f.secondsLeft)} left`);
  return parts.join(' · ');
}
