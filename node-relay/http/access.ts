// Who may see the operator's views: the admin status (client ids, members, peers, counters) and /metrics.
//
// Either a bearer token (`--admin-token-file`, `--metrics-token-file`; compared in constant time) or, unless
// `--admin-token-only`, a request from this machine: the socket's peer is a loopback address, the Host header
// names a loopback host (not a DNS-rebinding name), no proxy header says it came from elsewhere, and no browser
// says it comes from another site. Everybody else gets the public status and no /metrics.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../config/relay-config.ts';
import type { Logger } from '../log-contract.ts';
import { MAX_TOKEN_FILE_BYTES } from '../../core/limits.ts';

/** Shortest token accepted from a token file (characters, after trimming). */
export const MIN_TOKEN_LENGTH = 16;

export interface AccessPolicy {
  /** Bearer token for the admin status and /metrics; null: none set. */
  readonly adminToken: string | null;
  /** Bearer token for /metrics only (give this one to Prometheus); null: none set. */
  readonly metricsToken: string | null;
  /** Requests from this machine see the admin views without a token (default true). */
  readonly loopbackAdmin: boolean;
}

export const LOOPBACK_ONLY: AccessPolicy = Object.freeze({ adminToken: null, metricsToken: null, loopbackAdmin: true });

/** Headers a proxy adds: a request carrying one came from wherever the proxy was reached, not from here. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'];

/** The host part of a Host header (`127.0.0.1:8443`, `[::1]:8443`, `localhost`). */
function hostOf(header: string): string {
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    return end === -1 ? header : header.slice(1, end);
  }
  const colon = header.indexOf(':');
  return colon === -1 ? header : header.slice(0, colon);
}

/** True when the request was made on this machine, directly, and not on behalf of another web site. */
export function isLocalRequest(req: IncomingMessage): boolean {
  const remote = req.socket.remoteAddress;
  if (remote === undefined || !isLoopbackHost(remote)) return false;
  const host = req.headers.host;
  if (typeof host !== 'string' || !isLoopbackHost(hostOf(host))) return false;
  if (PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) return false;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    try {
      if (new URL(origin).host !== host) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** True when the request's `Authorization: Bearer …` equals `token` (constant time over the digests). */
export function bearerMatches(req: IncomingMessage, token: string | null): boolean {
  if (token === null) return false;
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^Bearer /i.test(header)) return false;
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}

/** May this request see the admin status (client ids, members, peers, every counter)? */
export function canSeeAdmin(req: IncomingMessage, policy: AccessPolicy): boolean {
  return bearerMatches(req, policy.adminToken) || (policy.loopbackAdmin && isLocalRequest(req));
}

/** May this request read /metrics? The metrics token, the admin token, or (unless token-only) this machine. */
export function canSeeMetrics(req: IncomingMessage, policy: AccessPolicy): boolean {
  return bearerMatches(req, policy.metricsToken) || canSeeAdmin(req, policy);
}

/** Reads a token file: one line, at least MIN_TOKEN_LENGTH characters, no spaces. Throws a message naming the flag. */
export async function readTokenFile(file: string, flag: string, logger?: Logger): Promise<string> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    if (info.size > MAX_TOKEN_FILE_BYTES) throw new Error(`larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
    if ((info.mode & 0o077) !== 0)
      logger?.warn('token file is readable by other users', { flag, file, mode: (info.mode & 0o777).toString(8) });
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${flag} ${file}: ${(err as Error).message}`, { cause: err });
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new Error(`${flag} ${file}: the token must be one word of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  return token;
}

export interface AccessFlags {
  readonly adminTokenFile?: string;
  readonly metricsTokenFile?: string;
  readonly adminTokenOnly?: boolean;
}

export async function loadAccessPolicy(flags: AccessFlags, logger?: Logger): Promise<AccessPolicy> {
  const adminToken =
    flags.adminTokenFile !== undefined ? await readTokenFile(flags.adminTokenFile, '--admin-token-file', logger) : null;
  const metricsToken =
    flags.metricsTokenFile !== undefined
      ? await readTokenFile(flags.metricsTokenFile, '--metrics-token-file', logger)
      : null;
  return { adminToken, metricsToken, loopbackAdmin: flags.adminTokenOnly !== true };
}
