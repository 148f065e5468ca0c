// The relay's configuration and the pure parser that turns `peertree relay` flags into it.
import { isIP } from 'node:net';
import {
  DEFAULT_MAX_PEERS,
  DEFAULT_REPLICAS,
  MAX_MAX_PEERS,
  MAX_REPLICAS,
  MIN_REPAIR_SWEEP_INTERVAL_MS,
} from '../../core/limits.ts';
import { isLogLevel, type LogLevel } from '../log-contract.ts';

export const DEFAULT_HOST = '127.0.0.1';
/** Port 0 asks the OS for any free port (the ready line prints the real one); `npm start` passes 8443. */
export const DEFAULT_PORT = 0;
export const DEFAULT_DATA_DIR = '.peertree/default';
/** Let's Encrypt's production directory: the default of --acme-directory. */
export const DEFAULT_ACME_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
/** Port the ACME CA connects to for HTTP-01 (RFC 8555 §8.3): the default of --acme-http-port. */
export const DEFAULT_ACME_HTTP_PORT = 80;

/** Automatic certificates (--domain): node-relay/acme/acme-certificates.ts. */
export interface AcmeConfig {
  /** The DNS name browsers use; the certificate is for it alone. */
  readonly domain: string;
  readonly directoryUrl: string;
  readonly email?: string;
  /** Extra CA certificates (PEM file) trusted for the ACME server's HTTPS, besides Node's bundled roots. */
  readonly caFile?: string;
  /** Port of the HTTP-01 listener (80 unless the operator forwards port 80 to another). */
  readonly httpPort: number;
}

export interface RelayConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Relay URLs to join (any member of the tree; tried in turn). Empty: the root of a new tree. */
  readonly join: readonly string[];
  readonly maxPeers: number;
  readonly replicas: number;
  /** A real certificate and key (PEM files); null: use the self-signed pair in the data folder. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /** Plain HTTP (loopback development only). */
  readonly http: boolean;
  /** A certificate obtained and renewed by ACME for this domain (--domain); absent: self-signed or --cert. */
  readonly acme?: AcmeConfig;
  /** Folder of the built PWA; null: the repository's dist/. */
  readonly staticDir: string | null;
  readonly logLevel: LogLevel;
  /** Join control: relay ids admitted without a token (absent: no allowlist). */
  readonly allow?: readonly string[];
  /** Join control: the tree operator's Ed25519 public key (hex); join tokens it signed admit relays. */
  readonly operatorKey?: string;
  /** The join token (JSON file) this relay presents when it joins a closed tree. */
  readonly joinTokenFile?: string;
  /** Enables the diag application (test hook: clients may ask for diag sends and broadcasts). */
  readonly diag?: boolean;
  /** Bytes of shards this relay keeps at most (absent: no limit but the disk). */
  readonly capacityBytes?: number;
  /** Shards one owner key may pin on this relay (absent: MAX_PINS_PER_OWNER). */
  readonly quota?: number;
  /** Bytes (by cost: blocks and metadata) one owner key may pin on this relay (absent: MAX_PINNED_BYTES_PER_OWNER). */
  readonly quotaBytes?: number;
  /** Messages per second one key may send (absent: MAX_MESSAGES_PER_SECOND_PER_KEY); per address: 4×. */
  readonly rateLimit?: number;
  /** SIGTERM/SIGINT leave the tree for good before stopping (default: they stop the relay to come back). */
  readonly leaveOnStop?: boolean;
  /** File holding the bearer token for the admin status and /metrics (absent: this machine only). */
  readonly adminTokenFile?: string;
  /** File holding a bearer token for /metrics only (what Prometheus sends). */
  readonly metricsTokenFile?: string;
  /** The admin views need a token even from this machine (set it behind a reverse proxy on the same host). */
  readonly adminTokenOnly?: boolean;
  /** Milliseconds between anti-entropy sweeps of the shards held (absent: REPAIR_SWEEP_INTERVAL_MS). */
  readonly repairIntervalMs?: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string } | { ok: 'help' };

export interface FlagSpec {
  readonly kind: 'string' | 'boolean' | 'list';
}

export const RELAY_FLAGS: Record<string, FlagSpec> = {
  port: { kind: 'string' },
  host: { kind: 'string' },
  data: { kind: 'string' },
  join: { kind: 'list' },
  'max-peers': { kind: 'string' },
  replicas: { kind: 'string' },
  cert: { kind: 'string' },
  key: { kind: 'string' },
  http: { kind: 'boolean' },
  static: { kind: 'string' },
  'log-level': { kind: 'string' },
  allow: { kind: 'list' },
  'operator-key': { kind: 'string' },
  'join-token': { kind: 'string' },
  diag: { kind: 'boolean' },
  capacity: { kind: 'string' },
  quota: { kind: 'string' },
  'quota-bytes': { kind: 'string' },
  'rate-limit': { kind: 'string' },
  'leave-on-stop': { kind: 'boolean' },
  'admin-token-file': { kind: 'string' },
  'metrics-token-file': { kind: 'string' },
  'admin-token-only': { kind: 'boolean' },
  'repair-interval': { kind: 'string' },
  domain: { kind: 'string' },
  'acme-directory': { kind: 'string' },
  'acme-email': { kind: 'string' },
  'acme-ca-file': { kind: 'string' },
  'acme-http-port': { kind: 'string' },
};

export type ParsedFlags = { positionals: string[]; flags: Map<string, string | true | string[]>; help: boolean };

/**
 * Splits argv into positionals and flags (`--name value` or `--name=value`) against a spec.
 * Unknown flags, missing values and repeated single-valued flags are errors.
 */
export function parseFlags(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedFlags | { error: string } {
  const positionals: string[] = [];
  const flags = new Map<string, string | true | string[]>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const flag = spec[name];
    if (!flag) return { error: `unknown flag --${name}` };
    if (flag.kind === 'boolean') {
      if (eq !== -1) return { error: `--${name} takes no value` };
      flags.set(name, true);
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return { error: `--${name} needs a value` };
      value = next;
      i++;
    }
    if (flag.kind === 'list') {
      const list = (flags.get(name) as string[] | undefined) ?? [];
      list.push(value);
      flags.set(name, list);
    } else {
      if (flags.has(name)) return { error: `--${name} given twice` };
      flags.set(name, value);
    }
  }
  return { positionals, flags, help };
}

function parseInteger(text: string, what: string, min: number, max: number): number | string {
  if (!/^\d{1,10}$/.test(text)) return `${what} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`;
  const n = Number(text);
  if (n < min || n > max) return `${what} must be an integer in [${min}, ${max}], got ${n}`;
  return n;
}

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Strips the brackets of an IPv6 literal written as `[::1]`. */
export function normalizeHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isValidHost(host: string): boolean {
  return isIP(host) !== 0 || HOSTNAME_RE.test(host);
}

/** True for addresses that never leave the machine: 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host).toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Validates a URL given to --join: http(s) or ws(s), no credentials. */
export function checkPeerUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--join ${JSON.stringify(text)} is not a URL`;
  }
  if (!['https:', 'wss:', 'http:', 'ws:'].includes(url.protocol))
    return `--join ${text}: only https://, wss://, http:// or ws:// URLs`;
  if (url.username || url.password) return `--join ${text}: credentials in URLs are not allowed`;
  return null;
}

/** True for a DNS name a public CA can issue for: letters, digits and hyphens in two or more labels, not an IP. */
export function isCertificateDomain(name: string): boolean {
  return (
    isIP(name) === 0 &&
    HOSTNAME_RE.test(name) &&
    name.includes('.') &&
    !/^\d+$/.test(name.slice(name.lastIndexOf('.') + 1))
  );
}

/** --domain and the --acme-* flags: the ACME configuration, null without --domain, or the error in words. */
function parseAcmeFlags(
  str: (name: string) => string | undefined,
  http: boolean,
  hasCertFiles: boolean,
): AcmeConfig | null | string {
  const domain = str('domain');
  const others = ['acme-directory', 'acme-email', 'acme-ca-file', 'acme-http-port'].filter((n) => str(n) !== undefined);
  if (domain === undefined)
    return others.length > 0 ? `--${others[0]} needs --domain (the name to get a certificate for)` : null;
  if (!isCertificateDomain(domain.toLowerCase()))
    return `--domain ${JSON.stringify(domain)} must be a DNS name such as relay.example.org (not an IP address)`;
  if (http) return '--domain cannot be combined with --http (the certificate is for HTTPS)';
  if (hasCertFiles) return '--domain cannot be combined with --cert/--key (pick one source of certificates)';
  const directoryUrl = str('acme-directory') ?? DEFAULT_ACME_DIRECTORY;
  let parsed: URL;
  try {
    parsed = new URL(directoryUrl);
  } catch {
    return `--acme-directory ${JSON.stringify(directoryUrl)} is not a URL`;
  }
  if (parsed.protocol !== 'https:') return `--acme-directory must be an https:// URL, got ${parsed.protocol}`;
  if (parsed.username || parsed.password) return '--acme-directory: credentials in URLs are not allowed';
  const email = str('acme-email');
  if (email !== undefined && !/^[^\s@,<>]+@[^\s@,<>]+\.[^\s@,<>]+$/.test(email))
    return `--acme-email ${JSON.stringify(email)} is not an email address`;
  const caFile = str('acme-ca-file');
  if (caFile !== undefined && (caFile.length === 0 || caFile.includes('\0')))
    return '--acme-ca-file must be a file path';
  const httpPort =
    str('acme-http-port') === undefined
      ? DEFAULT_ACME_HTTP_PORT
      : parseInteger(str('acme-http-port')!, '--acme-http-port', 1, 65535);
  if (typeof httpPort === 'string') return httpPort;
  return {
    domain: domain.toLowerCase(),
    directoryUrl,
    httpPort,
    ...(email !== undefined ? { email } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
  };
}

/** Parses the flags of `peertree relay`; never throws, never touches the file system. */
export function parseRelayArgs(argv: readonly string[]): ParseResult<RelayConfig> {
  const parsed = parseFlags(argv, RELAY_FLAGS);
  if ('error' in parsed) return { ok: false, error: parsed.error };
  if (parsed.help) return { ok: 'help' };
  if (parsed.positionals.length > 0)
    return { ok: false, error: `unexpected argument ${JSON.stringify(parsed.positionals[0])}` };
  const f = parsed.flags;
  const str = (name: string) => f.get(name) as string | undefined;

  const host = normalizeHost(str('host') ?? DEFAULT_HOST);
  if (!isValidHost(host))
    return { ok: false, error: `--host ${JSON.stringify(host)} is not an IP address or host name` };

  const port = str('port') === undefined ? DEFAULT_PORT : parseInteger(str('port')!, '--port', 0, 65535);
  if (typeof port === 'string') return { ok: false, error: port };

  const dataDir = str('data') ?? DEFAULT_DATA_DIR;
  if (dataDir.length === 0 || dataDir.includes('\0')) return { ok: false, error: '--data must be a folder path' };

  const maxPeers =
    str('max-peers') === undefined
      ? DEFAULT_MAX_PEERS
      : parseInteger(str('max-peers')!, '--max-peers', 2, MAX_MAX_PEERS);
  if (typeof maxPeers === 'string') return { ok: false, error: maxPeers };

  const replicas =
    str('replicas') === undefined ? DEFAULT_REPLICAS : parseInteger(str('replicas')!, '--replicas', 1, MAX_REPLICAS);
  if (typeof replicas === 'string') return { ok: false, error: replicas };

  const join = (f.get('join') as string[] | undefined) ?? [];
  for (const url of join) {
    const problem = checkPeerUrl(url);
    if (problem) return { ok: false, error: problem };
  }

  const http = f.get('http') === true;
  const certFile = str('cert');
  const keyFile = str('key');
  if ((certFile === undefined) !== (keyFile === undefined))
    return { ok: false, error: '--cert and --key must be given together' };
  if (http && certFile !== undefined) return { ok: false, error: '--http cannot be combined with --cert/--key' };
  if (http && !isLoopbackHost(host)) {
    return {
      ok: false,
      error: `--http is for loopback development only; refusing plain HTTP on ${host} (use 127.0.0.1, ::1 or localhost)`,
    };
  }

  const acme = parseAcmeFlags(str, http, certFile !== undefined);
  if (typeof acme === 'string') return { ok: false, error: acme };

  const staticDir = str('static') ?? null;
  if (staticDir !== null && (staticDir.length === 0 || staticDir.includes('\0')))
    return { ok: false, error: '--static must be a folder path' };

  const logLevel = str('log-level') ?? 'info';
  if (!isLogLevel(logLevel)) return { ok: false, error: '--log-level must be debug, info, warn or error' };

  const allow = ((f.get('allow') as string[] | undefined) ?? [])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter((a) => a !== '');
  for (const id of allow)
    if (!/^[a-z2-7]{16}$/.test(id))
      return { ok: false, error: `--allow ${JSON.stringify(id)} is not a relay id (16 base32 characters)` };
  const operatorKey = str('operator-key');
  if (operatorKey !== undefined && !/^[0-9a-f]{64}$/.test(operatorKey))
    return { ok: false, error: '--operator-key must be an Ed25519 public key: 64 lowercase hex characters' };
  const joinTokenFile = str('join-token');
  if (joinTokenFile !== undefined && (joinTokenFile.length === 0 || joinTokenFile.includes('\0')))
    return { ok: false, error: '--join-token must be a file path' };

  const bytesFlag = (name: string): number | undefined | { error: string } => {
    const text = str(name);
    if (text === undefined) return undefined;
    const m = /^(\d{1,16})([KMGT]i?B?)?$/i.exec(text);
    const scale = m?.[2] ? 1024 ** ('KMGT'.indexOf(m[2][0]!.toUpperCase()) + 1) : 1;
    const n = m ? Number(m[1]) * scale : NaN;
    return Number.isSafeInteger(n) && n >= 0
      ? n
      : { error: `--${name} must be a number of bytes (suffix K, M, G or T allowed), got ${JSON.stringify(text)}` };
  };
  const capacityBytes = bytesFlag('capacity');
  if (typeof capacityBytes === 'object') return { ok: false, error: capacityBytes.error };
  const quotaBytes = bytesFlag('quota-bytes');
  if (typeof quotaBytes === 'object') return { ok: false, error: quotaBytes.error };
  const quota = str('quota') === undefined ? undefined : parseInteger(str('quota')!, '--quota', 1, 1_000_000_000);
  if (typeof quota === 'string') return { ok: false, error: quota };
  const rateLimit =
    str('rate-limit') === undefined ? undefined : parseInteger(str('rate-limit')!, '--rate-limit', 1, 1_000_000);
  if (typeof rateLimit === 'string') return { ok: false, error: rateLimit };
  const repairIntervalMs =
    str('repair-interval') === undefined
      ? undefined
      : parseInteger(str('repair-interval')!, '--repair-interval', MIN_REPAIR_SWEEP_INTERVAL_MS, 24 * 60 * 60 * 1000);
  if (typeof repairIntervalMs === 'string') return { ok: false, error: repairIntervalMs };

  const adminTokenFile = str('admin-token-file');
  if (adminTokenFile !== undefined && (adminTokenFile.length === 0 || adminTokenFile.includes('\0')))
    return { ok: false, error: '--admin-token-file must be a file path' };
  const metricsTokenFile = str('metrics-token-file');
  if (metricsTokenFile !== undefined && (metricsTokenFile.length === 0 || metricsTokenFile.includes('\0')))
    return { ok: false, error: '--metrics-token-file must be a file path' };
  const adminTokenOnly = f.get('admin-token-only') === true;
  if (adminTokenOnly && adminTokenFile === undefined)
    return {
      ok: false,
      error: '--admin-token-only needs --admin-token-file (or the operator could never see the admin status)',
    };

  return {
    ok: true,
    value: {
      host,
      port,
      dataDir,
      join,
      maxPeers,
      replicas,
      tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : null,
      http,
      staticDir,
      logLevel,
      ...(acme !== null ? { acme } : {}),
      ...(allow.length > 0 ? { allow } : {}),
      ...(operatorKey !== undefined ? { operatorKey } : {}),
      ...(joinTokenFile !== undefined ? { joinTokenFile } : {}),
      ...(f.get('diag') === true ? { diag: true } : {}),
      ...(capacityBytes !== undefined ? { capacityBytes } : {}),
      ...(quota !== undefined ? { quota } : {}),
      ...(quotaBytes !== undefined ? { quotaBytes } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(f.get('leave-on-stop') === true ? { leaveOnStop: true } : {}),
      ...(adminTokenFile !== undefined ? { adminTokenFile } : {}),
      ...(metricsTokenFile !== undefined ? { metricsTokenFile } : {}),
      ...(adminTokenOnly ? { adminTokenOnly: true } : {}),
      ...(repairIntervalMs !== undefined ? { repairIntervalMs } : {}),
    },
  };
}

/** The URL a relay on `host:port` is reachable at from this machine (wildcard binds print the loopback address). */
export function relayUrl(host: string, port: number, http: boolean): string {
  let h = normalizeHost(host);
  if (h === '0.0.0.0') h = '127.0.0.1';
  else if (h === '::') h = '::1';
  const shown = isIP(h) === 6 ? `[${h}]` : h;
  return `${http ? 'http' : 'https'}://${shown}:${port}`;
}
