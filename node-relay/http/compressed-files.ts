// Compressed copies of the app's static files (brotli and gzip), made once per file version and kept in memory.
//
// Why on the relay and not at build time: the build output stays one set of files, any relay serving any build
// compresses it, and node:zlib is all it takes. Each copy is made at most once per (path, size, mtime), the
// cache is bounded in bytes, and a file that does not shrink by at least 10 % is served as it is.
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { MAX_COMPRESSED_CACHE_BYTES, MAX_COMPRESS_BYTES } from '../../core/limits.ts';

/** Files smaller than this go out as they are (a header costs more than compression saves). */
export const MIN_COMPRESS_BYTES = 1024;

export type Encoding = 'br' | 'gzip';

const COMPRESSIBLE = /^(?:text\/|application\/(?:javascript|json|manifest\+json|xml|wasm)|image\/svg\+xml)/;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * The encoding to answer with for an Accept-Encoding header: brotli before gzip, each only when accepted with a
 * q above 0 (`*` counts for both); null for identity.
 */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',').slice(0, 32)) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  const accepts = (e: string) => (q.get(e) ?? q.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return null;
}

/** True when a file of this MIME type and size is worth compressing. */
export function isCompressible(mimeType: string, size: number): boolean {
  return size >= MIN_COMPRESS_BYTES && size <= MAX_COMPRESS_BYTES && COMPRESSIBLE.test(mimeType);
}

export class CompressedFiles {
  /** key → compressed bytes, or null when compressing did not pay; Map order is least recently used first. */
  private readonly copies = new Map<string, Promise<Uint8Array | null>>();
  private bytes = 0;

  /**
   * The compressed bytes of the file at `path` (whose stat gave `size` and `mtimeMs`) in `encoding`, or null when
   * it does not shrink enough. Concurrent requests for one version share one compression.
   */
  get(path: string, size: number, mtimeMs: number, encoding: Encoding): Promise<Uint8Array | null> {
    const key = `${encoding}\u0000${path}\u0000${size}\u0000${mtimeMs}`;
    const hit = this.copies.get(key);
    if (hit) {
      this.copies.delete(key);
      this.copies.set(key, hit);
      return hit;
    }
    const made = this.make(path, encoding).then((out) => {
      if (out !== null && out.length > size * 0.9) return null;
      this.bytes += out?.length ?? 0;
      this.evict();
      return out;
    });
    this.copies.set(key, made);
    // A failed read (the file vanished mid-build) is not kept: the next request tries again.
    made.catch(() => this.copies.delete(key));
    return made;
  }

  private async make(path: string, encoding: Encoding): Promise<Uint8Array> {
    const plain = await fs.readFile(path);
    const out =
      encoding === 'br'
        ? await brotli(plain, {
            params: { [zlib.BROTLI_PARAM_QUALITY]: 10, [zlib.BROTLI_PARAM_SIZE_HINT]: plain.length },
          })
        : await gzipAsync(plain, { level: 9 });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  private evict(): void {
    for (const [key, copy] of this.copies) {
      if (this.bytes <= MAX_COMPRESSED_CACHE_BYTES) return;
      this.copies.delete(key);
      void copy.then(
        (c) => (this.bytes -= c?.length ?? 0),
        () => {},
      );
    }
  }
}
