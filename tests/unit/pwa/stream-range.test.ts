// The service worker's answers to media Range requests: one chunk at most, the right headers, HTTP's edge cases.
import { describe, expect, it } from 'vitest';
import { answerRange, rangeHeaders } from '../../../pwa/src/media/stream-range.ts';

const MiB = 1024 * 1024;

describe('answerRange', () => {
  it('answers an open-ended request with one chunk, and a closed one as asked (capped at a chunk)', () => {
    expect(answerRange('bytes=0-', 100 * MiB, 2 * MiB)).toEqual({ kind: 'part', start: 0, end: 2 * MiB - 1 });
    expect(answerRange('bytes=50000000-', 100 * MiB, 2 * MiB)).toEqual({
      kind: 'part',
      start: 50_000_000,
      end: 50_000_000 + 2 * MiB - 1,
    });
    expect(answerRange('bytes=10-19', 100, 2 * MiB)).toEqual({ kind: 'part', start: 10, end: 19 });
    expect(answerRange('bytes=90-', 100, 2 * MiB)).toEqual({ kind: 'part', start: 90, end: 99 });
    expect(answerRange('bytes=0-99999999', 100 * MiB, MiB)).toEqual({ kind: 'part', start: 0, end: MiB - 1 });
    expect(answerRange('bytes=-10', 100, MiB)).toEqual({ kind: 'part', start: 90, end: 99 });
  });

  it('gives the whole file without a header or for forms it does not serve, and 416 past the end', () => {
    expect(answerRange(null, 100, MiB)).toEqual({ kind: 'whole' });
    expect(answerRange('bytes=0-1,5-6', 100, MiB)).toEqual({ kind: 'whole' });
    expect(answerRange('bytes=100-', 100, MiB)).toEqual({ kind: 'unsatisfiable' });
    expect(answerRange('bytes=20-10', 100, MiB)).toEqual({ kind: 'unsatisfiable' });
    expect(answerRange('bytes=0-', 0, MiB)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('rangeHeaders', () => {
  it('says what part of how much is sent', () => {
    expect(rangeHeaders({ kind: 'part', start: 10, end: 19 }, 100, 'video/webm')).toEqual({
      status: 206,
      headers: {
        'Accept-Ranges': 'bytes',
        'Content-Type': 'video/webm',
        'Cache-Control': 'no-store',
        'Content-Length': '10',
        'Content-Range': 'bytes 10-19/100',
      },
    });
    expect(rangeHeaders({ kind: 'whole' }, 100, '').headers['Content-Length']).toBe('100');
    expect(rangeHeaders({ kind: 'unsatisfiable' }, 100, 'x/y')).toMatchObject({
      status: 416,
      headers: { 'Content-Range': 'bytes */100' },
    });
  });
});
