// HTTP access to stored data: GET /api/shards/HASH (raw, immutable shard bytes) and GET /api/files/CAPABILITY
// (a public file, with Range, so a browser can stream video). Encrypted files are refused here: their key
// must never reach a relay, so the PWA decrypts them on the device from shards it fetches itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { isShardHash, parseCapability } from '../../core/storage/capability.ts';
import { getFile, openFile } from '../../core/storage/get-file.ts';
import type { ShardTransport } from '../../core/storage/shard-transport.ts';
import { sendError } from '../http/api.ts';
import { parseRange } from './http-range.ts';
import type { StorageApp } from './storage-app.ts';

/** Types a browser would render as active content on the relay's origin: always served as downloads. */
const ACTIVE_TYPES =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|application\/javascript|text\/javascript)$/;

const SAFE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "sandbox; default-src 'none'; media-src 'self'; img-src 'self'",
  'access-control-allow-origin': '*',
};

export function storageTransport(app: StorageApp): ShardTransport {
  return {
    storeShard: async () => {
      throw new PeerTreeError('FORBIDDEN', 'read-only transport');
    },
    fetchShard: (hash) => app.find(hash),
  };
}

/** Handles /api/shards/* and /api/files/*; returns false for other paths. */
export function handleStorageHttp(app: StorageApp, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const shard = /^\/api\/shards\/([^/]*)$/.exec(path);
  const file = /^\/api\/files\/([^/]*)$/.exec(path);
  if (!shard && !file) return false;
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    sendError(res, 'BAD_INPUT', `method ${req.method} not allowed`, false, { allow: 'GET, HEAD' });
    return true;
  }
  const task = shard
    ? serveShard(app, res, decodeURIComponentSafe(shard[1]!), head)
    : serveFile(app, req, res, decodeURIComponentSafe(file![1]!), head);
  task.catch((err: unknown) => {
    const e = toPeerTreeError(err);
    if (!res.headersSent) sendError(res, e.code, e.message, head);
    else res.destroy(e); // mid-stream: cut the body so the client cannot mistake it for complete
  });
  return true;
}

/** File answers being streamed now (a download cut by its client must not stay here). */
let streaming = 0;
export function activeFileStreams(): number {
  return streaming;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

async function serveShard(app: StorageApp, res: ServerResponse, hash: string, head: boolean): Promise<void> {
  if (!isShardHash(hash)) throw new PeerTreeError('BAD_INPUT', 'shard hash must be 64 lowercase hex chars');
  const bytes = await app.find(hash);
  res.writeHead(200, {
    ...SAFE_HEADERS,
    'content-type': 'application/octet-stream',
    'content-length': bytes.length,
    // Content-addressed: these bytes can never change.
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${hash}"`,
  });
  res.end(head ? undefined : bytes);
}

async function serveFile(
  app: StorageApp,
  req: IncomingMessage,
  res: ServerResponse,
  text: string,
  head: boolean,
): Promise<void> {
  const capability = parseCapability(text);
  if (capability.key !== null) {
    throw new PeerTreeError(
      'FORBIDDEN',
      'encrypted files are decrypted on your device; relays never take keys (use the app or peertree get)',
    );
  }
  const transport = storageTransport(app);
  const manifest = (await openFile(text, transport)).manifest;
  const range = parseRange(req.headers.range, manifest.size);
  const active = ACTIVE_TYPES.test(manifest.type);
  const headers: Record<string, string | number> = {
    ...SAFE_HEADERS,
    'content-type': active ? 'application/octet-stream' : manifest.type,
    'accept-ranges': 'bytes',
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${capability.manifest}"`,
    'content-disposition': `${active ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(manifest.name)}`,
  };
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${manifest.size}`, 'content-length': 0 });
    res.end();
    return;
  }
  const start = range.kind === 'range' ? range.start : 0;
  const end = range.kind === 'range' ? range.end : manifest.size - 1;
  const length = manifest.size === 0 ? 0 : end - start + 1;
  res.writeHead(range.kind === 'range' ? 206 : 200, {
    ...headers,
    'content-length': length,
    ...(range.kind === 'range' ? { 'content-range': `bytes ${start}-${end}/${manifest.size}` } : {}),
  });
  if (head || length === 0) {
    res.end();
    return;
  }
  let aborted = false;
  res.on('close', () => (aborted = true));
  streaming++;
  try {
    await streamFile(text, transport, res, start, end, () => aborted);
  } finally {
    streaming--;
  }
  res.end();
}

async function streamFile(
  text: string,
  transport: ShardTransport,
  res: ServerResponse,
  start: number,
  end: number,
  aborted: () => boolean,
): Promise<void> {
  await getFile(
    text,
    transport,
    async (bytes) => {
      if (aborted()) throw new PeerTreeError('CLOSED', 'client went away');
      // Wait for the socket to drain, or for the client to go away: then the next write stops the stream.
      if (!res.write(bytes)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
          if (aborted()) done();
        });
      }
      if (aborted()) throw new PeerTreeError('CLOSED', 'client went away');
    },
    { range: { start, end } },
  );
}
