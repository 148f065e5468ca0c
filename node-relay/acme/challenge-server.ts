// The HTTP-01 responder: a plain-HTTP listener that answers GET /.well-known/acme-challenge/TOKEN for the
// tokens of the order in progress and 404 for anything else (no API, no PWA, no redirect on this port).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACME_CHALLENGE_MAX_HEADER_BYTES, ACME_MAX_CHALLENGE_TOKENS } from '../../core/limits.ts';
import type { Logger } from '../log-contract.ts';

export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 §8.3: a token is base64url; 43 characters for 128+ bits, bounded here to keep the table small. */
const TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/;

export interface ChallengeServer {
  readonly port: number;
  /** Answers `token` with `keyAuthorization` until removed. */
  set(token: string, keyAuthorization: string): void;
  remove(token: string): void;
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Listens on host:port (EADDRINUSE/EACCES reject, with the port in the message). */
export async function startChallengeServer(host: string, port: number, logger: Logger): Promise<ChallengeServer> {
  const tokens = new Map<string, string>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    const token = path.startsWith(CHALLENGE_PREFIX) ? path.slice(CHALLENGE_PREFIX.length) : '';
    const keyAuthorization = TOKEN_RE.test(token) ? tokens.get(token) : undefined;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || keyAuthorization === undefined) {
      answer(res, 404, 'not found\n');
      return;
    }
    logger.debug('answered an ACME challenge', { event: 'acme.challenge_served', from: req.socket.remoteAddress });
    answer(res, 200, keyAuthorization);
  };
  const server: Server = createServer({ maxHeaderSize: ACME_CHALLENGE_MAX_HEADER_BYTES }, handler);
  // A validation request is one small GET: slow or idle connections are cut early.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 1_000;
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'EADDRINUSE'
          ? ' (in use: pick another --acme-http-port)'
          : err.code === 'EACCES'
            ? ' (a port below 1024 needs CAP_NET_BIND_SERVICE: see docs/operating.md)'
            : '';
      reject(
        new Error(`cannot listen for ACME HTTP-01 challenges on ${host}:${port}: ${err.message}${hint}`, {
          cause: err,
        }),
      );
    };
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    set(token, keyAuthorization) {
      if (!TOKEN_RE.test(token)) throw new Error('the ACME server sent a challenge token that is not base64url');
      if (!tokens.has(token) && tokens.size >= ACME_MAX_CHALLENGE_TOKENS) tokens.delete(tokens.keys().next().value!);
      tokens.set(token, keyAuthorization);
    },
    remove(token) {
      tokens.delete(token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
