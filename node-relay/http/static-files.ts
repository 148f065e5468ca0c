// Serves the built PWA from one folder: safe paths, MIME types, cache headers, ETags, HEAD and the SPA fallback.
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { chooseEncoding, CompressedFiles, isCompressible } from './compressed-files.ts';
import { cacheControlFor, isSpaRoute, mimeTypeOf, resolveStaticPath } from './static-policy.ts';

export const NOT_BUILT_MESSAGE =
  'The PeerTree app is not built yet. Run `npm run build` in the repository, then reload this page.\n';

export interface StaticSite {
  /** Answers a GET or HEAD for `rawPath` (percent-encoded, without the query). */
  serve(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void>;
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  head: boolean,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(head ? undefined : text);
}

async function statFile(path: string): Promise<Stats | null> {
  try {
    return await fs.stat(path);
  } catch {
    return null;
  }
}

export function createStaticSite(rootDir: string): StaticSite {
  let realRoot: string | null = null;
  const compressed = new CompressedFiles();

  async function root(): Promise<string | null> {
    if (realRoot !== null) return realRoot;
    try {
      const r = await fs.realpath(rootDir);
      if (!(await fs.stat(r)).isDirectory()) return null;
      // Only cache once the build exists, so `npm run build` while the relay runs takes effect.
      if ((await statFile(join(r, 'index.html')))?.isFile()) realRoot = r;
      return r;
    } catch {
      return null;
    }
  }

  /** The real path of relPath if it is a regular file inside the root (symlinks may not lead outside). */
  async function findFile(base: string, relPath: string): Promise<{ path: string; stat: Stats } | null> {
    const candidate = join(base, ...relPath.split('/'));
    let real: string;
    try {
      real = await fs.realpath(candidate);
    } catch {
      return null;
    }
    if (real !== base && !real.startsWith(base + sep)) return null;
    const stat = await statFile(real);
    if (stat?.isFile()) return { path: real, stat };
    if (stat?.isDirectory()) return findFile(base, relPath === '' ? 'index.html' : `${relPath}/index.html`);
    return null;
  }

  return {
    async serve(req, res, rawPath) {
      const head = req.method === 'HEAD';
      const resolved = resolveStaticPath(rawPath);
      if (!resolved.ok) {
        sendText(res, resolved.status, resolved.status === 400 ? 'Bad request path.\n' : 'Not found.\n', head);
        return;
      }
      const base = await root();
      if (base === null || !(await statFile(join(base, 'index.html')))?.isFile()) {
        sendText(res, 503, NOT_BUILT_MESSAGE, head, { 'retry-after': '10' });
        return;
      }
      let relPath = resolved.relPath;
      let found = await findFile(base, relPath);
      if (found === null && isSpaRoute(relPath)) {
        relPath = 'index.html';
        found = await findFile(base, relPath);
      }
      if (found === null) {
        sendText(res, 404, 'Not found.\n', head);
        return;
      }
      const { path, stat } = found;
      const type = mimeTypeOf(path);
      const compressible = isCompressible(type, stat.size);
      const encoding = compressible ? chooseEncoding(req.headers['accept-encoding']) : null;
      const body = encoding ? await compressed.get(path, stat.size, stat.mtimeMs, encoding).catch(() => null) : null;
      // Each encoding is its own representation: its own ETag, and caches told that the answer depends on it.
      const version = `${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}`;
      const etag = body && encoding ? `W/"${version}-${encoding}"` : `W/"${version}"`;
      const headers: Record<string, string | number> = {
        'content-type': type,
        'cache-control': cacheControlFor(relPath),
        etag,
        'last-modified': stat.mtime.toUTCString(),
        ...(compressible ? { vary: 'accept-encoding' } : {}),
        ...(body && encoding ? { 'content-encoding': encoding } : {}),
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      headers['content-length'] = body ? body.length : stat.size;
      res.writeHead(200, headers);
      if (head) {
        res.end();
        return;
      }
      if (body) {
        res.end(body);
        return;
      }
      const stream = createReadStream(path);
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    },
  };
}
