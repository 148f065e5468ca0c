// Structured logs with pino: one JSON object per line on stderr (stdout is reserved for the relay's ready
// line), `{"level","t","msg",…fields}`. Secrets are redacted by key name wherever they appear.
import { destination as pinoDestination, pino, type DestinationStream } from 'pino';
import type { Logger, LogLevel } from './log-contract.ts';

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to process.stderr. */
  write?: (line: string) => void;
  /** Clock for the `t` field; defaults to Date.now. */
  now?: () => number;
}

/** Field names never written to a log, at any depth pino's redaction covers (top level and one below). */
export const REDACTED_KEYS = [
  'seed',
  'secret',
  'privateKey',
  'key',
  'token',
  'password',
  'authorization',
  'capability',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const now = options.now ?? Date.now;
  const write = options.write;
  const destination: DestinationStream =
    write !== undefined ? { write: (line: string) => write(line) } : pinoDestination({ dest: 2, sync: true });
  const base = pino(
    {
      level: options.level ?? 'info',
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"t":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_KEYS, ...REDACTED_KEYS.map((k) => `*.${k}`)], censor: '[redacted]' },
    },
    destination,
  );
  const log = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    try {
      if (fields === undefined) base[level](msg);
      else base[level](fields, msg);
    } catch {
      base[level]({ fields: '[unserializable]' }, msg);
    }
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
