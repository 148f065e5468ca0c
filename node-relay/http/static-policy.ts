// Pure rules for serving the PWA: safe path resolution, MIME types, cache policy and SPA fallback.
import { posix } from 'node:path';

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.xml': 'application/xml; charset=utf-8',
};

export function mimeTypeOf(fileName: string): string {
  return MIME_TYPES[posix.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
export const CACHE_REVALIDATE = 'no-cache';

/** Files a new deployment must replace at once: always revalidated. */
const ALWAYS_REVALIDATE = new Set(['sw.js', 'registerSW.js', 'manifest.webmanifest']);
/** Build tools put a content hash of 8+ url-safe characters before the extension: app-3f9a1c2e.js. */
const HASHED_NAME_RE = /[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/** Cache-Control for a served file, by its path relative to the static root (posix separators). */
export function cacheControlFor(relPath: string): string {
  const base = posix.basename(relPath);
  if (base.endsWith('.html') || ALWAYS_REVALIDATE.has(base)) return CACHE_REVALIDATE;
  if (HASHED_NAME_RE.test(base) && (relPath.startsWith('assets/') || base.startsWith('workbox-')))
    return CACHE_IMMUTABLE;
  return CACHE_REVALIDATE;
}

export type StaticPath = { ok: true; relPath: string } | { ok: false; status: 400 | 404; reason: string };

/**
 * Turns a raw request path (still percent-encoded, query removed) into a safe relative path under the static
 * root, or an error. Refuses anything that could step outside: `..` and `.` segments (literal or encoded),
 * encoded slashes or backslashes, NUL bytes, invalid percent-encoding; hides dotfiles. Never touches the disk.
 */
export function resolveStaticPath(rawPath: string): StaticPath {
  if (!rawPath.startsWith('/')) return { ok: false, status: 400, reason: 'path must start with /' };
  if (rawPath.length > 2048) return { ok: false, status: 400, reason: 'path too long' };
  if (rawPath.includes('\\') || rawPath.includes('\0'))
    return { ok: false, status: 400, reason: 'bad character in path' };
  const segments: string[] = [];
  const rawSegments = rawPath.slice(1).split('/');
  for (let i = 0; i < rawSegments.length; i++) {
    const raw = rawSegments[i]!;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: 'bad percent-encoding' };
    }
    if (seg.includes('/') || seg.includes('\\') || seg.includes('\0'))
      return { ok: false, status: 400, reason: 'encoded separator in path' };
    if (seg === '..' || seg === '.') return { ok: false, status: 400, reason: 'dot segment in path' };
    if (seg === '') {
      // "/" and a trailing slash are fine; an empty segment in the middle ("a//b") is not.
      if (i === rawSegments.length - 1) continue;
      return { ok: false, status: 400, reason: 'empty segment in path' };
    }
    if (seg.startsWith('.')) return { ok: false, status: 404, reason: 'hidden file' };
    segments.push(seg);
  }
  const relPath = segments.join('/');
  const trailingSlash = rawPath.endsWith('/');
  return { ok: true, relPath: relPath === '' || trailingSlash ? posix.join(relPath, 'index.html') : relPath };
}

/**
 * Whether a path that matched no file gets the app shell (index.html): client-side routes do; the API,
 * the WebSocket endpoint and anything that looks like a file (has an extension) get a 404 instead.
 */
export function isSpaRoute(relPath: string): boolean {
  if (relPath === 'api' || relPath.startsWith('api/') || relPath === 'ws' || relPath.startsWith('ws/')) return false;
  const base = posix.basename(relPath);
  return base === 'index.html' || !base.includes('.');
}
