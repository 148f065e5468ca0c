// Which encoding a browser gets, and which files are worth compressing.
import { describe, expect, it } from 'vitest';
import { chooseEncoding, isCompressible, MIN_COMPRESS_BYTES } from '../../../node-relay/http/compressed-files.ts';

describe('chooseEncoding', () => {
  it('prefers brotli, then gzip, and sends plain bytes when neither is accepted', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip')).toBe('gzip');
    expect(chooseEncoding('deflate')).toBeNull();
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding('')).toBeNull();
  });

  it('honours q=0 and the wildcard', () => {
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0')).toBeNull();
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*;q=0.5, br;q=0')).toBe('gzip');
    expect(chooseEncoding('gzip;q=nonsense')).toBeNull();
  });
});

describe('isCompressible', () => {
  it('compresses text, scripts, styles, JSON, manifests and SVG of at least 1 KiB; not images or tiny files', () => {
    for (const type of [
      'text/html; charset=utf-8',
      'text/javascript; charset=utf-8',
      'text/css; charset=utf-8',
      'application/json',
      'application/manifest+json',
      'image/svg+xml',
    ]) {
      expect(isCompressible(type, MIN_COMPRESS_BYTES), type).toBe(true);
    }
    expect(isCompressible('image/png', 100_000)).toBe(false);
    expect(isCompressible('text/html; charset=utf-8', MIN_COMPRESS_BYTES - 1)).toBe(false);
  });
});
