// Parsing of a single HTTP byte range (RFC 9110 §14.1.2) against a known length.

export type RangeResult = { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * `bytes=START-END`, `bytes=START-` and `bytes=-SUFFIX`. Multiple ranges are answered with the whole body
 * (allowed by RFC 9110); a malformed header is ignored, as the RFC says, and the whole body is sent.
 */
export function parseRange(header: string | undefined, length: number): RangeResult {
  if (header === undefined) return { kind: 'none' };
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || length === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? length - 1 : Math.min(Number(m[2]), length - 1);
  if (start >= length || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}
