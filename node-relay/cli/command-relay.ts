// The relay URL and time-outs of a client command, read once from its flags, the environment and the config file.
import type { ParsedFlags } from '../config/relay-config.ts';
import { resolveRelay } from './client-config.ts';
import { usageError, UserError } from './cli-errors.ts';
import { timeOutsOf, type TimeOuts } from './time-outs.ts';
import type { CliIo } from './io.ts';

export interface CommandTarget extends TimeOuts {
  readonly relay: string;
}

/** The relay (flag > PEERTREE_RELAY > config file) and time-outs, or the exit code after saying what is wrong. */
export async function commandTarget(io: CliIo, command: string, parsed: ParsedFlags): Promise<CommandTarget | number> {
  const times = timeOutsOf(parsed);
  if ('error' in times) return usageError(io, command, times.error);
  try {
    const { url } = await resolveRelay(parsed.flags.get('relay'));
    return { relay: url, ...times };
  } catch (err) {
    if (err instanceof UserError) return usageError(io, command, err.message);
    throw err;
  }
}
