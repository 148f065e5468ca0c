// `peertree status`: fetch GET /api/status (self-signed certificates accepted for this request).
import { parseFlags } from '../config/relay-config.ts';
import { fetchJson, statusUrl } from '../http/status-client.ts';
import { readTokenFile } from '../http/access.ts';
import type { CliIo } from './io.ts';
import { STATUS_USAGE } from './usage.ts';
import { EXIT, schemeHint, usageError, userError } from './cli-errors.ts';
import { commandTarget } from './command-relay.ts';
import { TIME_OUT_FLAGS } from './time-outs.ts';

export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, {
    relay: { kind: 'string' },
    'admin-token-file': { kind: 'string' },
    public: { kind: 'boolean' },
    ...TIME_OUT_FLAGS,
  });
  if ('error' in parsed) return usageError(io, 'status', parsed.error);
  if (parsed.help) {
    io.out(STATUS_USAGE);
    return EXIT.OK;
  }
  if (parsed.positionals.length > 0)
    return usageError(io, 'status', `unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  const target = await commandTarget(io, 'status', parsed);
  if (typeof target === 'number') return target;
  let url: URL;
  try {
    url = statusUrl(target.relay);
    if (parsed.flags.get('public') === true) url.search = '?view=public';
  } catch (err) {
    return usageError(io, 'status', (err as Error).message);
  }
  let token: string | undefined;
  const tokenFile = parsed.flags.get('admin-token-file');
  if (typeof tokenFile === 'string') {
    try {
      token = await readTokenFile(tokenFile, '--admin-token-file');
    } catch (err) {
      return userError(io, 'status', (err as Error).message);
    }
  }
  try {
    // One small request: the connect time-out bounds all of it.
    const { status, body } = await fetchJson(url, target.connectMs, token);
    if (status !== 200) {
      io.err(`peertree status: ${url.href} answered HTTP ${status}: ${JSON.stringify(body)}\n`);
      return EXIT.FAILURE;
    }
    io.out(JSON.stringify(body, null, 2) + '\n');
    return EXIT.OK;
  } catch (err) {
    const message = (err as Error).message;
    const hint = schemeHint(target.relay, message);
    io.err(`peertree status: cannot reach ${url.origin}: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
    return EXIT.FAILURE;
  }
}
