// `peertree config`: the CLI user's own settings (today the default relay), kept in $PEERTREE_HOME/config.json.
import { parseFlags } from '../config/relay-config.ts';
import {
  checkRelayUrl,
  CONFIG_KEYS,
  defaultConfigFile,
  isConfigKey,
  readClientConfig,
  writeClientConfig,
} from './client-config.ts';
import { EXIT, failure, usageError, userError, UserError } from './cli-errors.ts';
import type { CliIo } from './io.ts';

export const CONFIG_USAGE = `Usage: peertree config [show]
       peertree config get KEY
       peertree config set KEY VALUE
       peertree config unset KEY

Your client settings, in $PEERTREE_HOME/config.json (else ~/.peertree/config.json, next to your key). A plain
JSON object you may also edit by hand: {"relay": "https://relay.example.org:8443"}.

Keys:
  relay    the relay commands talk to when --relay is not given. Order: --relay, then the environment
           variable PEERTREE_RELAY, then this setting.

\`show\` prints the file's path and settings as JSON.

Examples:
  peertree config set relay https://127.0.0.1:8443
  peertree config get relay
  peertree config unset relay

Exit codes: 0 done; 2 a usage error, an unknown key, a value that is not a relay URL, or (get) a key not set.
`;

export async function configCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, {});
  if ('error' in parsed) return usageError(io, 'config', parsed.error);
  if (parsed.help) return (io.out(CONFIG_USAGE), EXIT.OK);
  const [action = 'show', key, value, ...extra] = parsed.positionals;
  const path = defaultConfigFile();
  const wants = { show: 0, get: 1, unset: 1, set: 2 } as Record<string, number>;
  if (!Object.hasOwn(wants, action))
    return usageError(io, 'config', `unknown action ${JSON.stringify(action)}: use show, get, set or unset`);
  const given = [key, value].filter((x) => x !== undefined).length;
  if (given !== wants[action] || extra.length > 0)
    return usageError(
      io,
      'config',
      action === 'set' ? 'give KEY and VALUE' : action === 'show' ? 'show takes nothing' : 'give one KEY',
    );
  if (key !== undefined && !isConfigKey(key))
    return usageError(io, 'config', `unknown key ${JSON.stringify(key)} (known: ${CONFIG_KEYS.join(', ')})`);
  try {
    if (action === 'show') {
      io.out(JSON.stringify({ file: path, ...(await readClientConfig(path)) }) + '\n');
      return EXIT.OK;
    }
    const k = key as (typeof CONFIG_KEYS)[number];
    if (action === 'get') {
      const v = (await readClientConfig(path))[k];
      if (v === undefined) return userError(io, 'config', `${k} is not set in ${path}`);
      io.out(v + '\n');
      return EXIT.OK;
    }
    if (action === 'set') {
      const problem = checkRelayUrl(value!);
      if (problem) return userError(io, 'config', `${JSON.stringify(value)} is not a relay URL: ${problem}`);
    }
    await writeClientConfig(k, action === 'set' ? value! : null, path);
    io.err(action === 'set' ? `${k} = ${value} (in ${path})\n` : `${k} removed from ${path}\n`);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof UserError) return userError(io, 'config', err.message);
    return failure(io, 'config', err);
  }
}
