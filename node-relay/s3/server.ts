// The gateway's HTTP server (node:http, loopback by default): checks every request's signature, routes it, and
// answers any failure with S3's XML error; a failure after the response started cuts the connection instead
// (the client sees a short body, never wrong bytes), and nothing a client sends can crash the process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { s3CodeOf, s3Error } from './errors.ts';
import { errorXml } from './xml.ts';
import { parseQuery, verifySignature, type S3Credentials } from './sigv4.ts';
import { route } from './router.ts';
import type { Gateway, S3Context } from './context.ts';

export interface S3ServerInit {
  readonly gw: Gateway;
  /** The pair requests must be signed with now (re-read after a rotation). */
  readonly credentials: () => Promise<S3Credentials>;
  /** One line per failed request and per internal error (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** Also log one line per request: `peertree s3: request OPERATION STATUS`. */
  readonly logRequests?: boolean;
}

function decodePart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw s3Error('InvalidURI');
  }
}

/**
 * Virtual-hosted-style names the gateway answers: BUCKET.localhost and BUCKET.s3.localhost (any port). Only names
 * under `localhost` loop back without DNS or a hosts file, and the gateway listens on this machine only.
 */
const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]{1,61}?[a-z0-9])\.(?:s3\.)?localhost\.?(?::\d{1,5})?$/i;

/** Bucket and key of a request: from a virtual-hosted Host header when it names one, else path-style. */
export function addressOf(host: string | undefined, rawPath: string): { bucket: string; key: string } {
  const m = host ? VIRTUAL_HOST.exec(host) : null;
  if (m) return { bucket: m[1]!.toLowerCase(), key: decodePart(rawPath.startsWith('/') ? rawPath.slice(1) : rawPath) };
  return splitPath(rawPath);
}

/** Bucket and key of a path-style URL path ("/bucket/key/with/slashes"). */
export function splitPath(rawPath: string): { bucket: string; key: string } {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  if (slash === -1) return { bucket: decodePart(path), key: '' };
  return { bucket: decodePart(path.slice(0, slash)), key: decodePart(path.slice(slash + 1)) };
}

async function handle(init: S3ServerInit, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const method = (req.method ?? 'GET').toUpperCase();
  const auth = await verifySignature(
    { method, rawPath, rawQuery, headers: req.headers },
    await init.credentials(),
    new Date(init.gw.now()),
  );
  const { bucket, key } = addressOf(req.headers.host, rawPath);
  const ctx: S3Context = { gw: init.gw, req, res, method, bucket, key, query: parseQuery(rawQuery), auth, notes: [] };
  const op = route(ctx);
  if (init.logRequests)
    res.once('finish', () => init.log(`peertree s3: request ${[op.name, res.statusCode, ...ctx.notes].join(' ')}\n`));
  res.setHeader('x-amz-request-id', requestId);
  await op.run(ctx);
}

export function createS3Server(init: S3ServerInit): Server {
  const server = createServer((req, res) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('Server', 'PeerTree');
    handle(init, req, res, requestId).catch((err: unknown) => {
      const { code, status, message } = s3CodeOf(err);
      if (status >= 500) init.log(`peertree s3: ${req.method} ${req.url}: ${code}: ${message}\n`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A body the request did not finish sending is not read on: the connection closes after the answer.
      if (!req.complete) res.setHeader('Connection', 'close');
      res.setHeader('x-amz-request-id', requestId);
      if (status === 304 || req.method === 'HEAD') {
        res.writeHead(status, { 'Content-Length': 0, 'x-amz-error-code': code });
        res.end();
      } else {
        const body = errorXml(code, message, (req.url ?? '/').split('?')[0]!, requestId);
        res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      }
      if (!req.complete) res.once('finish', () => req.destroy());
    });
  });
  // Large objects take as long as the network needs: no whole-request time limit (idle sockets still time out).
  server.requestTimeout = 0;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
