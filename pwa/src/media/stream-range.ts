// Pure answers to a media element's Range header: which bytes to send (at most a chunk for an open-ended
// request, so that a seek fetches and decrypts only the shards around it) and the response headers.

export type RangeAnswer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

/**
 * Reads "bytes=START-END", "bytes=START-" or "bytes=-SUFFIX" against a file of `size` bytes. No header (or one
 * this does not understand, such as several ranges) is the whole file, as HTTP allows.
 */
export function answerRange(header: string | null, size: number, chunk: number): RangeAnswer {
  if (!header) return { kind: 'whole' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'whole' };
  if (size === 0) return { kind: 'unsatisfiable' };
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    if (start >= size) return { kind: 'unsatisfiable' };
    end = m[2] === '' ? start + chunk - 1 : Number(m[2]);
    if (end < start) return { kind: 'unsatisfiable' };
  }
  // Never more than one chunk per answer: the element asks again for the rest.
  end = Math.min(end, size - 1, start + chunk - 1);
  return { kind: 'part', start, end };
}

/** Headers of the answer (status 200, 206 or 416). */
export function rangeHeaders(
  answer: RangeAnswer,
  size: number,
  type: string,
): { status: number; headers: Record<string, string> } {
  const base = {
    'Accept-Ranges': 'bytes',
    'Content-Type': type || 'application/octet-stream',
    'Cache-Control': 'no-store',
  };
  if (answer.kind === 'unsatisfiable') return { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` } };
  if (answer.kind === 'whole') return { status: 200, headers: { ...base, 'Content-Length': String(size) } };
  return {
    status: 206,
    headers: {
      ...base,
      'Content-Length': String(answer.end - answer.start + 1),
      'Content-Range': `bytes ${answer.start}-${answer.end}/${size}`,
    },
  };
}
