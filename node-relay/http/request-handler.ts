// Routes HTTP requests: /api/* to the JSON API, /ws without an upgrade to 426, everything else to the static PWA.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log-contract.ts';
import { sendError, sendJson, type Api } from './api.ts';
import type { StaticSite } from './static-files.ts';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The path part of a request target, still percent-encoded; null when the target is not origin-form. */
export function requestPath(target: string | undefined): string | null {
  if (typeof target !== 'string' || !target.startsWith('/')) return null;
  const q = target.search(/[?#]/);
  return q === -1 ? target : target.slice(0, q);
}

/** `metrics`: answers GET /metrics (Prometheus text format) when given. */
export function createRequestHandler(
  api: Api,
  site: StaticSite,
  logger: Logger,
  metrics?: (req: IncomingMessage, res: ServerResponse) => void,
) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const path = requestPath(req.url);
    if (path === null) {
      sendError(res, 'BAD_INPUT', 'bad request target');
      return;
    }
    try {
      if (path === '/api' || path.startsWith('/api/')) {
        api.handle(req, res, path);
        return;
      }
      if (path === '/metrics' && metrics !== undefined) {
        metrics(req, res);
        return;
      }
      if (path === '/ws') {
        sendJson(
          res,
          426,
          { error: { code: 'BAD_INPUT', message: 'this endpoint speaks WebSocket only' } },
          req.method === 'HEAD',
          {
            upgrade: 'websocket',
          },
        );
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 'BAD_INPUT', `method ${req.method} not allowed`, false, { allow: 'GET, HEAD' });
        return;
      }
      site.serve(req, res, path).catch((err: unknown) => {
        logger.error('static file error', { path: path.slice(0, 200), error: String(err) });
        if (!res.headersSent) sendError(res, 'INTERNAL');
        else res.destroy();
      });
    } catch (err) {
      logger.error('request handler error', { path: path.slice(0, 200), error: String(err) });
      if (!res.headersSent) sendError(res, 'INTERNAL');
      else res.destroy();
    }
  };
}
