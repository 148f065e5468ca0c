// `peertree status --relay URL`: fetch GET /api/status (self-signed certificates accepted for this request).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseFlags } from '../config/relay-config.ts';
import { readTokenFile } from '../http/access.ts';
import type { CliIo } from './io.ts';
import { STATUS_USAGE } from './usage.ts';

const STATUS_TIMEOUT_MS = 10_000;
const MAX_STATUS_BYTES = 1024 * 1024;

/** The status URL for a relay URL given as https://host:port, wss://host:port/ws, http://… or ws://… */
export function statusUrl(relay: string): URL {
  let u: URL;
  try {
    u = new URL(relay);
  } catch {
    throw new Error(`--relay ${JSON.stringify(relay)} is not a URL`);
  }
  const map: Record<string, string> = { 'https:': 'https:', 'wss:': 'https:', 'http:': 'http:', 'ws:': 'http:' };
  const protocol = map[u.protocol];
  if (!protocol) throw new Error(`--relay must be an https://, wss://, http:// or ws:// URL`);
  if (u.username || u.password) throw new Error('credentials in relay URLs are not allowed');
  return new URL(`${protocol}//${u.host}/api/status`);
}

/** GETs a small JSON document; for https, accepts any certificate on this one request. */
export function fetchJson(url: URL, timeoutMs = STATUS_TIMEOUT_MS, token?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) };
    const options = { method: 'GET', headers, timeout: timeoutMs };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, rejectUnauthorized: false, agent: false })
        : httpRequest(url, { ...options, agent: false });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_STATUS_BYTES) req.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          reject(new Error(`answer is not JSON (HTTP ${res.statusCode})`));
        }
      });
    });
    req.end();
  });
}

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, 'admin-token-file': { kind: 'string' }, public: { kind: 'boolean' } });
  if ('error' in parsed) {
    io.err(`peertree status: ${parsed.error}\n\n${STATUS_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(STATUS_USAGE);
    return 0;
  }
  const relay = parsed.flags.get('relay');
  if (typeof relay !== 'string' || parsed.positionals.length > 0) {
    io.err(`peertree status: ${parsed.positionals.length > 0 ? `unexpected argument ${JSON.stringify(parsed.positionals[0])}` : '--relay URL is required'}\n\n${STATUS_USAGE}`);
    return 2;
  }
  let url: URL;
  try {
    url = statusUrl(relay);
    if (parsed.flags.get('public') === true) url.search = '?view=public';
  } catch (err) {
    io.err(`peertree status: ${(err as Error).message}\n`);
    return 2;
  }
  let token: string | undefined;
  const tokenFile = parsed.flags.get('admin-token-file');
  if (typeof tokenFile === 'string') {
    try {
      token = await readTokenFile(tokenFile, '--admin-token-file');
    } catch (err) {
      io.err(`peertree status: ${(err as Error).message}\n`);
      return 2;
    }
  }
  try {
    const { status, body } = await fetchJson(url, STATUS_TIMEOUT_MS, token);
    if (status !== 200) {
      io.err(`peertree status: ${url.href} answered HTTP ${status}: ${JSON.stringify(body)}\n`);
      return 1;
    }
    io.out(JSON.stringify(body, null, 2) + '\n');
    return 0;
  } catch (err) {
    io.err(`peertree status: cannot reach ${url.origin}: ${(err as Error).message}\n`);
    return 1;
  }
}
