// The summary of several uploads: the batch grows with files added meanwhile and ends when none is on its
// way; n of m files, the total percent by bytes, and time left from the speed since the batch started.
import { describe, expect, it } from 'vitest';
import { nextBatch, summarize, type SummaryFile } from '../../../pwa/src/state/upload-summary.ts';

const MiB = 1024 * 1024;
const file = (id: string, status: SummaryFile['status'], size: number, done = 0, total = 0): SummaryFile => ({
  id,
  status,
  size,
  progress: total > 0 ? { phase: 'uploading', done, total, startedAt: 0, startDone: 0 } : null,
});

describe('upload summary', () => {
  it('says n of m files, the percent by bytes and the time left', () => {
    const start = [file('a', 'queued', 10 * MiB), file('b', 'queued', 30 * MiB), file('c', 'stored', MiB)];
    const batch = nextBatch(null, start, 1_000)!;
    expect(batch.ids).toEqual(['a', 'b']); // a file stored before the batch is not part of it
    const later = [file('a', 'stored', 10 * MiB), file('b', 'uploading', 30 * MiB, 10, 30), start[2]!];
    const s = summarize(nextBatch(batch, later, 11_000), later, 11_000)!;
    expect(s.done).toBe(1);
    expect(s.total).toBe(2);
    expect(s.figures.percent).toBe(50); // 20 of 40 MiB
    expect(s.figures.bytesPerSecond).toBeCloseTo((20 * MiB) / 10);
    expect(s.figures.secondsLeft).toBe(10);
    expect(s.line).toBe('Uploading 1 of 2 files · 50% · 2 MiB/s · about 10 s left');
  });

  it('grows with files added meanwhile, drops cancelled ones, and ends when none is on its way', () => {
    let batch = nextBatch(null, [file('a', 'uploading', MiB, 1, 2), file('b', 'queued', MiB)], 0);
    expect(batch!.startDoneBytes).toBe(MiB / 2);
    batch = nextBatch(batch, [file('a', 'stored', MiB), file('b', 'queued', MiB), file('d', 'local', MiB)], 5);
    expect(batch!.ids).toEqual(['a', 'b', 'd']);
    batch = nextBatch(batch, [file('a', 'stored', MiB), file('d', 'local', MiB)], 6);
    expect(batch!.ids).toEqual(['a', 'd']);
    expect(nextBatch(batch, [file('a', 'stored', MiB), file('d', 'stored', MiB)], 7)).toBeNull();
  });

  it('shows nothing for a single upload', () => {
    const one = [file('a', 'uploading', MiB, 1, 4)];
    expect(summarize(nextBatch(null, one, 0), one, 10)).toBeNull();
    expect(summarize(null, one, 10)).toBeNull();
  });
});
