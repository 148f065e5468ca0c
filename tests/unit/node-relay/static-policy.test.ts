import { describe, expect, it } from 'vitest';
import {
  CACHE_IMMUTABLE,
  cacheControlFor,
  isSpaRoute,
  mimeTypeOf,
  resolveStaticPath,
} from '../../../node-relay/http/static-policy.ts';

describe('resolveStaticPath', () => {
  it('maps ordinary paths', () => {
    expect(resolveStaticPath('/')).toEqual({ ok: true, relPath: 'index.html' });
    expect(resolveStaticPath('/assets/app-12345678.js')).toEqual({ ok: true, relPath: 'assets/app-12345678.js' });
    expect(resolveStaticPath('/docs/')).toEqual({ ok: true, relPath: 'docs/index.html' });
    expect(resolveStaticPath('/a%20b.txt')).toEqual({ ok: true, relPath: 'a b.txt' });
  });

  it.each([
    ['/../package.json', 400],
    ['/a/../../x', 400],
    ['/%2e%2e/x', 400],
    ['/%2E%2e/x', 400],
    ['/.%2e/x', 400],
    ['/./x', 400],
    ['/a%2fb', 400],
    ['/a%2F..%2Fb', 400],
    ['/a%5cb', 400],
    ['/a\\b', 400],
    ['/a%00b', 400],
    ['/%zz', 400],
    ['/%', 400],
    ['//etc/passwd', 400],
    ['/a//b', 400],
    ['relative', 400],
    ['/.env', 404],
    ['/%2eenv', 404],
    ['/.git/config', 404],
  ] as const)('refuses %s with %i', (path, status) => {
    expect(resolveStaticPath(path)).toMatchObject({ ok: false, status });
  });

  it('keeps double-encoding literal (never decodes twice)', () => {
    expect(resolveStaticPath('/%252e%252e/x')).toEqual({ ok: true, relPath: '%2e%2e/x' });
  });
});

describe('cache policy and MIME types', () => {
  it('revalidates the shell and service worker, and caches hashed assets for a year', () => {
    expect(cacheControlFor('index.html')).toBe('no-cache');
    expect(cacheControlFor('sw.js')).toBe('no-cache');
    expect(cacheControlFor('registerSW.js')).toBe('no-cache');
    expect(cacheControlFor('manifest.webmanifest')).toBe('no-cache');
    expect(cacheControlFor('assets/index-BkX3f9a1.js')).toBe(CACHE_IMMUTABLE);
    expect(cacheControlFor('workbox-5ffe50d4.js')).toBe(CACHE_IMMUTABLE);
    expect(cacheControlFor('icon.svg')).toBe('no-cache');
    expect(cacheControlFor('assets/logo.svg')).toBe('no-cache');
  });

  it('types files by extension', () => {
    expect(mimeTypeOf('a.html')).toBe('text/html; charset=utf-8');
    expect(mimeTypeOf('A.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeOf('x.wasm')).toBe('application/wasm');
    expect(mimeTypeOf('x.unknown')).toBe('application/octet-stream');
  });

  it('falls back to the shell only for extension-less app routes', () => {
    expect(isSpaRoute('open/abc')).toBe(true);
    expect(isSpaRoute('settings')).toBe(true);
    expect(isSpaRoute('index.html')).toBe(true);
    expect(isSpaRoute('api/x')).toBe(false);
    expect(isSpaRoute('ws')).toBe(false);
    expect(isSpaRoute('assets/app.js')).toBe(false);
    expect(isSpaRoute('favicon.ico')).toBe(false);
  });
});
