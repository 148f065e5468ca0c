// The summary line for several uploads at once (pure): which files make up the batch now running, and how far
// it is — "Uploading 2 of 5 files · 45% · 3.2 MiB/s · about 12 s left" (progress-figures.ts for the figures).
import type { FileStatus } from '../data/db.ts';
import type { Progress } from './derive-file-state.ts';
import { progressFigures, progressLine, type ProgressFigures } from './progress-figures.ts';

export interface SummaryFile {
  readonly id: string;
  readonly status: FileStatus;
  readonly size: number;
  readonly progress: Progress | null;
}

/** The files of the batch (every file that was on its way since it started) and where it started from. */
export interface UploadBatch {
  readonly ids: readonly string[];
  readonly startedAt: number;
  readonly startDoneBytes: number;
}

export interface UploadSummary {
  readonly done: number;
  readonly total: number;
  readonly figures: ProgressFigures;
  readonly line: string;
}

const onItsWay = (f: SummaryFile): boolean => f.status === 'local' || f.status === 'queued' || f.status === 'uploading';

/** How much of a file's bytes have reached relays: all once stored, the acknowledged share while uploading. */
function doneBytes(f: SummaryFile): number {
  if (f.status === 'stored') return f.size;
  const p = f.progress;
  if (f.status === 'uploading' && p && p.phase === 'uploading' && p.total > 0) return (f.size * p.done) / p.total;
  return 0;
}

/**
 * The batch after this change: null once no file is on its way; files added meanwhile join it; files gone from
 * the list (cancelled, deleted) leave it.
 */
export function nextBatch(batch: UploadBatch | null, files: readonly SummaryFile[], now: number): UploadBatch | null {
  const active = files.filter(onItsWay);
  if (active.length === 0) return null;
  if (!batch) {
    return {
      ids: active.map((f) => f.id),
      startedAt: now,
      startDoneBytes: active.reduce((n, f) => n + doneBytes(f), 0),
    };
  }
  const present = new Set(files.map((f) => f.id));
  const ids = [...new Set([...batch.ids.filter((id) => present.has(id)), ...active.map((f) => f.id)])];
  return { ids, startedAt: batch.startedAt, startDoneBytes: batch.startDoneBytes };
}

/** The line for a batch of two files or more; null for none or one (its own row says it all). */
export function summarize(batch: UploadBatch | null, files: readonly SummaryFile[], now: number): UploadSummary | null {
  if (!batch || batch.ids.length < 2) return null;
  const byId = new Map(files.map((f) => [f.id, f]));
  const inBatch = batch.ids.map((id) => byId.get(id)).filter((f): f is SummaryFile => f !== undefined);
  if (inBatch.length < 2) return null;
  const total = inBatch.length;
  const done = inBatch.filter((f) => f.status === 'stored').length;
  const bytesTotal = inBatch.reduce((n, f) => n + f.size, 0);
  const bytesDone = inBatch.reduce((n, f) => n + doneBytes(f), 0);
  const figures = progressFigures(
    { done: bytesDone, total: bytesTotal, startDone: batch.startDoneBytes, startedAt: batch.startedAt },
    bytesTotal,
    now,
  );
  return { done, total, figures, line: `Uploading ${done} of ${total} files · ${progressLine(figures)}` };
}
