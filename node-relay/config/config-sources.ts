// Relay settings from three places, in this order of precedence: command-line flags, environment variables
// (PEERTREE_<FLAG>, e.g. PEERTREE_PORT=8443, PEERTREE_JOIN=https://a,https://b, PEERTREE_HTTP=1) and a JSON
// config file (--config FILE or PEERTREE_CONFIG; keys are flag names: {"port": 8443, "join": ["https://a"]}).
// The result is one argv for parseRelayArgs, so every value goes through the same checks as a flag.
import { RELAY_FLAGS } from './relay-config.ts';

export type ConfigResult = { ok: true; argv: string[] } | { ok: false; error: string };

/** PEERTREE_MAX_PEERS for --max-peers. */
export function envName(flag: string): string {
  return `PEERTREE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function given(argv: readonly string[], flag: string): boolean {
  return argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
}

export function withConfigSources(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): ConfigResult {
  const rest: string[] = [];
  let configFile = env.PEERTREE_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') {
      configFile = argv[i + 1];
      if (configFile === undefined || configFile.startsWith('--')) return { ok: false, error: '--config needs a file' };
      i++;
    } else if (a.startsWith('--config=')) configFile = a.slice('--config='.length);
    else rest.push(a);
  }
  let file: Record<string, unknown> = {};
  if (configFile !== undefined && configFile !== '') {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (err) {
      return { ok: false, error: `cannot read the config file ${configFile}: ${(err as Error).message}` };
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      file = parsed as Record<string, unknown>;
    } catch (err) {
      return {
        ok: false,
        error: `the config file ${configFile} is not a JSON object of flag names: ${(err as Error).message}`,
      };
    }
    for (const key of Object.keys(file))
      if (!Object.hasOwn(RELAY_FLAGS, key))
        return { ok: false, error: `unknown setting ${JSON.stringify(key)} in ${configFile}` };
  }
  const extra: string[] = [];
  for (const [flag, spec] of Object.entries(RELAY_FLAGS)) {
    if (given(rest, flag)) continue;
    const fromEnv = env[envName(flag)];
    const value: unknown = fromEnv !== undefined && fromEnv !== '' ? fromEnv : file[flag];
    if (value === undefined || value === null) continue;
    if (spec.kind === 'boolean') {
      const on = value === true || (typeof value === 'string' && /^(1|true|yes|on)$/i.test(value));
      const off = value === false || (typeof value === 'string' && /^(0|false|no|off)$/i.test(value));
      if (!on && !off) return { ok: false, error: `${flag} must be true or false, got ${JSON.stringify(value)}` };
      if (on) extra.push(`--${flag}`);
    } else if (spec.kind === 'list') {
      const items = Array.isArray(value)
        ? value.map(String)
        : String(value)
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
      for (const item of items) extra.push(`--${flag}`, item);
    } else {
      if (typeof value !== 'string' && typeof value !== 'number')
        return { ok: false, error: `${flag} must be a string or a number, got ${JSON.stringify(value)}` };
      extra.push(`--${flag}=${String(value)}`);
    }
  }
  return { ok: true, argv: [...rest, ...extra] };
}
