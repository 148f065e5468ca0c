// Entry point of the `peertree` command (bin/peertree.js calls main): dispatch to subcommands, return the exit code.
import { processIo, type CliIo } from './io.ts';
import { MAIN_USAGE, VERSION_USAGE } from './usage.ts';
import { EXIT, usageError } from './cli-errors.ts';
import { tuneProcess } from '../process-tuning.ts';

type Command = (args: string[], io: CliIo) => Promise<number>;

/**
 * Each command's module is loaded only when that command runs (the build splits them into chunks): a `get` does
 * not load the relay's ACME client, certificate maker, sqlite, logger or the S3 gateway's signing and XML
 * packages. Loaded eagerly, they cost ≈ 30 MiB of resident memory for code a client command never runs
 * (measured: `--help` peaked at 87 MiB before, 57 MiB after, against 40 MiB for an empty Node).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  relay: async () => (await import('./relay-command.ts')).relayCommand,
  leave: async () => (await import('./leave-command.ts')).leaveCommand,
  status: async () => (await import('./status-command.ts')).statusCommand,
  put: async () => (await import('./file-commands.ts')).putCommand,
  get: async () => (await import('./file-commands.ts')).getCommand,
  delete: async () => (await import('./file-commands.ts')).deleteCommand,
  remember: async () => (await import('./memory-commands.ts')).rememberCommand,
  search: async () => (await import('./memory-commands.ts')).searchCommand,
  forget: async () => (await import('./memory-commands.ts')).forgetCommand,
  ledger: async () => (await import('./ledger-command.ts')).ledgerCommand,
  ls: async () => (await import('./ls-command.ts')).lsCommand,
  config: async () => (await import('./config-command.ts')).configCommand,
  s3: async () => (await import('./s3-command.ts')).s3Command,
};

/** Runs the CLI; returns the exit code (EXIT: 0 ok, 1 failure of the network or a relay, 2 usage or user error). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  await tuneProcess();
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(MAIN_USAGE);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    if (rest.includes('--help') || rest.includes('-h')) return (io.out(VERSION_USAGE), EXIT.OK);
    if (command === 'version' && rest.length > 0)
      return usageError(io, 'version', `unexpected argument ${JSON.stringify(rest[0])}`);
    const { VERSION } = await import('../version.ts');
    io.out(VERSION + '\n');
    return EXIT.OK;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (load) return (await load())(rest, io);
  io.err(`peertree: unknown command ${JSON.stringify(command)}\nsee 'peertree --help'\n`);
  return EXIT.USAGE;
}
