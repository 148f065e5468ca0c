// The one client of a relay's GET /api/status (and other small JSON GETs): the CLI's `status`, the
// routed transport's member look-ups. Self-signed certificates are accepted for these read-only requests:
// nothing read here is trusted without a signature (relay identities are checked by the wire handshake).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { MAX_STATUS_BYTES, STATUS_TIMEOUT_MS } from '../../core/limits.ts';

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
export function fetchJson(
  url: URL,
  timeoutMs = STATUS_TIMEOUT_MS,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    };
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
