// How a CLI command ends: the stable exit codes, one-line usage errors, the user's own mistakes (exit 2, in their
// words, naming their path), and failures of the network or a relay (exit 1, with a hint when the URL's scheme
// does not match what the relay speaks).
import { toPeerTreeError } from '../../core/errors.ts';
import type { CliIo } from './io.ts';

/** Exit codes of every `peertree` command (documented in `peertree --help` and docs/operating.md; keep them). */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** The network or a relay failed or refused (nothing the command line could fix). */
  FAILURE: 1,
  /** A usage error or the user's own mistake (a missing file, a folder where a file was meant, …). */
  USAGE: 2,
} as const;

/** A mistake of the person running the command: printed as is (no error code), exit 2. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** One reason line and where the full help is: `peertree CMD: REASON` / `see 'peertree CMD --help'`. */
export function usageError(io: CliIo, command: string, reason: string): number {
  io.err(`peertree ${command}: ${reason}\nsee 'peertree ${command} --help'\n`);
  return EXIT.USAGE;
}

/** Prints the user's mistake (exit 2). */
export function userError(io: CliIo, command: string, message: string): number {
  io.err(`peertree ${command}: ${message}\n`);
  return EXIT.USAGE;
}

/**
 * A file-system error about `path` (the user's own path, never a hidden temporary one) in plain words, or null
 * when `err` is not one the user can act on.
 */
export function fileProblem(err: unknown, path: string, writing: boolean): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return writing ? `cannot write ${path}: the folder it goes in does not exist` : `${path} does not exist`;
    case 'ENOTDIR':
      return `${writing ? 'cannot write' : 'cannot read'} ${path}: a part of the path is a file, not a folder`;
    case 'EISDIR':
      return writing
        ? `${path} is a folder: give a file name (e.g. -o ${path.replace(/\/+$/, '')}/NAME)`
        : `${path} is a folder, not a file`;
    case 'EACCES':
    case 'EPERM':
      return `${writing ? 'cannot write' : 'cannot read'} ${path}: permission denied`;
    case 'EROFS':
      return `cannot write ${path}: it is on a read-only file system`;
    case 'EEXIST':
      return `cannot write ${path}: it already exists`;
    case 'ENAMETOOLONG':
      return `${path}: the name is too long`;
    default:
      return null;
  }
}

/**
 * A hint when `message` (from a failed connection to `relay`) looks like the scheme is wrong: plain HTTP against
 * a relay that speaks TLS ends in a hang-up or a reset, TLS against a plain-HTTP relay in a TLS record error.
 */
export function schemeHint(relay: string | undefined, message: string): string | null {
  if (relay === undefined) return null;
  let url: URL;
  try {
    url = new URL(relay);
  } catch {
    return null;
  }
  const plain = url.protocol === 'http:' || url.protocol === 'ws:';
  const other = (protocol: string) => `${protocol}//${url.host}`;
  if (plain && /socket hang up|ECONNRESET|Parse Error|Unexpected server response: 400/i.test(message)) {
    return `${url.host} does not answer plain HTTP; relays speak HTTPS unless started with --http: try --relay ${other('https:')}`;
  }
  if (
    !plain &&
    /wrong version number|EPROTO|packet length too long|ssl3_get_record|record layer failure|SSL routines/i.test(
      message,
    )
  ) {
    return `${url.host} does not speak HTTPS (a relay started with --http): try --relay ${other('http:')}`;
  }
  return null;
}

/** Ends a command that failed: a UserError exits 2 as is; anything else exits 1 with its code and any hint. */
export function failure(io: CliIo, command: string, err: unknown, relay?: string): number {
  if (err instanceof UserError) return userError(io, command, err.message);
  const e = toPeerTreeError(err);
  const hint =
    e.code === 'RELEASED'
      ? 'the file was deleted (released) while this command ran, so nothing of it was kept; put it again to keep it'
      : schemeHint(relay, e.message);
  io.err(`peertree ${command}: ${e.code}: ${e.message}\n${hint ? `hint: ${hint}\n` : ''}`);
  return EXIT.FAILURE;
}

/** Ends a failed command whose error may be about one of the user's own files (`paths`): exit 2, in their words. */
export function failureWithPaths(
  io: CliIo,
  command: string,
  err: unknown,
  relay: string | undefined,
  paths: readonly { path: string; writing: boolean }[],
): number {
  const errPath = (err as NodeJS.ErrnoException | null)?.path;
  const mine = paths.find((p) => p.path === errPath);
  const problem = mine ? fileProblem(err, mine.path, mine.writing) : null;
  return problem ? userError(io, command, problem) : failure(io, command, err, relay);
}
