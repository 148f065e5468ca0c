// `peertree status --relay URL`: fetch GET /api/status (self-signed certificates accepted for this request).
import { parseFlags } from '../config/relay-config.ts';
import { fetchJson, STATUS_TIMEOUT_MS, statusUrl } from '../http/status-client.ts';
import { readTokenFile } from '../http/access.ts';
import type { CliIo } from './io.ts';
import { STATUS_USAGE } from './usage.ts';

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
