// The relay's JSON API under /api: the status document, and JSON errors with statuses from ERROR_TABLE.
// GET /api/status answers the operator (admin token, or this machine: http/access.ts) with the admin view and
// everyone else with the public view; `?view=public` asks for the public one (what the world sees).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_TABLE, type ErrorCode } from '../../core/errors.ts';
import { buildStatus, publicStatus, type StatusSources } from '../status.ts';
import { canSeeAdmin, LOOPBACK_ONLY, type AccessPolicy } from './access.ts';

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-max-age': '600',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  head = false,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(head ? undefined : text);
}

export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message?: string,
  head = false,
  extra: Record<string, string> = {},
): void {
  const entry = ERROR_TABLE[code];
  sendJson(res, entry.http, { error: { code, message: message ?? entry.message } }, head, extra);
}

export interface Api {
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Adds a route for applications (storage, search, …); it returns true when it handled the request. */
  addRoute(route: ApiRoute): void;
}

/** An application's HTTP handler under /api: returns false to let the next route (or 404) answer. */
export type ApiRoute = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** `path` is the request path without its query; the caller routes only /api and /api/* here. */
export function createApi(status: StatusSources, access: AccessPolicy = LOOPBACK_ONLY): Api {
  const routes: ApiRoute[] = [];
  return {
    addRoute(route) {
      routes.push(route);
    },
    handle(req, res, path) {
      const head = req.method === 'HEAD';
      if (path === '/api/status') {
        if (req.method === 'OPTIONS') {
          res.writeHead(204, CORS_HEADERS);
          res.end();
          return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          sendError(res, 'BAD_INPUT', `method ${req.method} not allowed`, false, {
            allow: 'GET, HEAD, OPTIONS',
            ...CORS_HEADERS,
          });
          return;
        }
        const wantsPublic = /[?&]view=public(&|$)/.test(req.url ?? '');
        if (!wantsPublic && canSeeAdmin(req, access)) {
          // CORS as for the public view: a browser's cross-site request carries Origin / Sec-Fetch-Site and so is
          // never local (access.ts), and a token cannot be sent cross-site (no Authorization in the allowed headers).
          sendJson(res, 200, buildStatus(status), head, { ...CORS_HEADERS, vary: 'authorization, origin' });
          return;
        }
        sendJson(res, 200, publicStatus(buildStatus(status)), head, { ...CORS_HEADERS, vary: 'authorization, origin' });
        return;
      }
      for (const route of routes) if (route(req, res, path)) return;
      sendError(res, 'NOT_FOUND', `no API endpoint ${path.slice(0, 200)}`, head, CORS_HEADERS);
    },
  };
}
