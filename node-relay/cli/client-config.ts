// The CLI user's settings, next to their key: `$PEERTREE_HOME/config.json` (else `~/.peertree/config.json`),
// {"relay": URL}; and the relay a command talks to: --relay, else PEERTREE_RELAY, else the file's "relay".
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { toWebSocketUrl } from '../ws/connector.ts';
import { UserError } from './cli-errors.ts';
import { MAX_CLIENT_CONFIG_BYTES } from '../../core/limits.ts';

/** The settings `peertree config` knows. */
export const CONFIG_KEYS = ['relay'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type ClientConfig = Partial<Record<ConfigKey, string>>;

/** `$PEERTREE_HOME/config.json`, else `~/.peertree/config.json` (the identity's folder). */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.PEERTREE_HOME ?? join(homedir(), '.peertree'), 'config.json');
}

export function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

/** A relay URL as every command accepts it (https://, wss://, http://, ws://; no path but /ws), or why not. */
export function checkRelayUrl(url: string): string | null {
  try {
    toWebSocketUrl(url);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Reads the config file; an absent file is empty settings, a malformed one a UserError naming it. */
export async function readClientConfig(path = defaultConfigFile()): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    if (text.length > MAX_CLIENT_CONFIG_BYTES) throw new Error('too large');
    doc = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not a JSON object like {"relay": "https://relay.example.org:8443"}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new UserError(`${path} is not a JSON object like {"relay": "https://…"}`);
  const out: ClientConfig = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!isConfigKey(key)) continue; // unknown keys are kept on disk but ignored (newer versions may add some)
    if (typeof value !== 'string') throw new UserError(`${path}: "${key}" must be a string`);
    out[key] = value;
  }
  return out;
}

/** Sets (or with null removes) one setting, keeping the file's other keys; written whole, then renamed. */
export async function writeClientConfig(
  key: ConfigKey,
  value: string | null,
  path = defaultConfigFile(),
): Promise<void> {
  let doc: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      doc = parsed as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UserError(`cannot update ${path}: ${(err as Error).message} (fix or remove it)`);
  }
  if (value === null) delete doc[key];
  else doc[key] = value;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, path);
}

/** Where the relay URL came from, for messages. */
export type RelaySource = '--relay' | 'PEERTREE_RELAY' | 'config';

/**
 * The relay a command talks to: the flag, else PEERTREE_RELAY, else the config file's "relay". Throws a
 * UserError when none is set or the chosen one is not a relay URL (naming where it came from).
 */
export async function resolveRelay(
  flag: unknown,
  env: NodeJS.ProcessEnv = process.env,
  configPath = defaultConfigFile(env),
): Promise<{ url: string; source: RelaySource }> {
  let url: string | undefined;
  let source: RelaySource;
  let where: string;
  if (typeof flag === 'string') [url, source, where] = [flag, '--relay', '--relay'];
  else if (env.PEERTREE_RELAY !== undefined && env.PEERTREE_RELAY !== '')
    [url, source, where] = [env.PEERTREE_RELAY, 'PEERTREE_RELAY', 'PEERTREE_RELAY'];
  else [url, source, where] = [(await readClientConfig(configPath)).relay, 'config', `"relay" in ${configPath}`];
  if (url === undefined) {
    throw new UserError(
      "which relay? give --relay URL, set PEERTREE_RELAY=URL, or save one with 'peertree config set relay URL'",
    );
  }
  const problem = checkRelayUrl(url);
  if (problem) throw new UserError(`${where} ${JSON.stringify(url)}: ${problem}`);
  return { url, source };
}
