// Static serving of the built PWA by a real relay: MIME types, caching, HEAD, SPA fallback, and path traversal.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, rawRequest, startRelayProcess, tmpDir, type RelayProcess } from './relay-harness.ts';

const dir = tmpDir();
const SECRET = 'TOP-SECRET-OUTSIDE-DIST';
const BIG_JS = Array.from({ length: 2000 }, (_, i) => `export const value${i} = "item number ${i}";`).join('\n');
let relay: RelayProcess;
let bare: RelayProcess;

beforeAll(async () => {
  const site = join(dir.path, 'site');
  const dist = join(site, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>PeerTree</title><p>shell</p>');
  writeFileSync(join(dist, 'sw.js'), 'self.addEventListener("install", () => {});');
  writeFileSync(join(dist, 'assets', 'index-3f9a1c2e.js'), 'console.log("app");');
  writeFileSync(join(dist, 'assets', 'style-a1b2c3d4.css'), 'body{}');
  writeFileSync(join(dist, 'assets', 'big-0badc0de.js'), BIG_JS);
  writeFileSync(join(dist, 'manifest.webmanifest'), '{}');
  writeFileSync(join(dist, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, '.env'), SECRET);
  writeFileSync(join(site, 'secret.txt'), SECRET);
  writeFileSync(join(site, 'package.json'), SECRET);
  [relay, bare] = await Promise.all([
    startRelayProcess(join(dir.path, 'data'), ['--static', dist]),
    startRelayProcess(join(dir.path, 'data2'), ['--static', join(dir.path, 'missing-dist')]),
  ]);
});

afterAll(async () => {
  await Promise.all([relay?.stop(), bare?.stop()]);
  killAll();
  dir.remove();
});

describe('static PWA', () => {
  it('serves index.html at / with no-cache, and security headers', async () => {
    const res = await rawRequest(relay.ready.url, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body.toString()).toContain('shell');
  });

  it('serves assets with their MIME types; hashed assets are immutable, sw.js always revalidated', async () => {
    const js = await rawRequest(relay.ready.url, '/assets/index-3f9a1c2e.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await rawRequest(relay.ready.url, '/assets/style-a1b2c3d4.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const sw = await rawRequest(relay.ready.url, '/sw.js');
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect((await rawRequest(relay.ready.url, '/manifest.webmanifest')).headers['content-type']).toMatch(
      /^application\/manifest\+json/,
    );
    expect((await rawRequest(relay.ready.url, '/icon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('sends brotli or gzip to browsers that accept it, the same bytes once decoded, and plain bytes otherwise', async () => {
    const path = '/assets/big-0badc0de.js';
    const br = await rawRequest(relay.ready.url, path, 'GET', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(BIG_JS.length / 4);
    expect(brotliDecompressSync(br.body).toString()).toBe(BIG_JS);
    const gz = await rawRequest(relay.ready.url, path, 'GET', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(BIG_JS);
    expect(gz.headers.etag).not.toBe(br.headers.etag);
    expect(
      (
        await rawRequest(relay.ready.url, path, 'GET', {
          'accept-encoding': 'gzip',
          'if-none-match': gz.headers.etag as string,
        })
      ).status,
    ).toBe(304);
    const plain = await rawRequest(relay.ready.url, path, 'GET', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(BIG_JS);
    // A file too small to gain is sent as it is.
    expect(
      (await rawRequest(relay.ready.url, '/assets/style-a1b2c3d4.css', 'GET', { 'accept-encoding': 'br' })).headers[
        'content-encoding'
      ],
    ).toBeUndefined();
  });

  it('answers HEAD with headers only, and conditional GET with 304', async () => {
    const head = await rawRequest(relay.ready.url, '/assets/index-3f9a1c2e.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log("app");'.length));
    expect(head.body.length).toBe(0);
    const etag = head.headers.etag as string;
    const again = await rawRequest(relay.ready.url, '/assets/index-3f9a1c2e.js', 'GET', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('falls back to index.html for app routes, but not for the API, /ws or missing files', async () => {
    const route = await rawRequest(relay.ready.url, '/open/some-capability');
    expect(route.status).toBe(200);
    expect(route.body.toString()).toContain('shell');
    expect((await rawRequest(relay.ready.url, '/assets/missing-12345678.js')).status).toBe(404);
    expect((await rawRequest(relay.ready.url, '/favicon.ico')).status).toBe(404);
    const api = await rawRequest(relay.ready.url, '/api/unknown');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await rawRequest(relay.ready.url, '/ws')).status).toBe(426);
    expect((await rawRequest(relay.ready.url, '/', 'POST')).status).toBe(400);
  });

  it('never serves anything outside dist, whatever the encoding of the path', async () => {
    const attempts = [
      '/../package.json',
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/package.json',
      '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/..\\secret.txt',
      '/assets/%00.js',
      '/%zz',
      '/.env',
      '/%2eenv',
      '//etc/passwd',
      '/assets//../../secret.txt',
    ];
    for (const path of attempts) {
      const res = await rawRequest(relay.ready.url, path);
      expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
      expect(res.body.toString(), path).not.toContain(SECRET);
    }
    // Still serving normally afterwards.
    expect((await rawRequest(relay.ready.url, '/')).status).toBe(200);
  });

  it('answers 503 with a hint to build when dist/ is missing, while the API keeps working', async () => {
    const res = await rawRequest(bare.ready.url, '/');
    expect(res.status).toBe(503);
    expect(res.body.toString()).toMatch(/npm run build/);
    expect((await rawRequest(bare.ready.url, '/api/status')).status).toBe(200);
  });
});
