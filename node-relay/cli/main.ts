// Entry point of the `peertree` command (bin/peertree.js calls main): dispatch to subcommands, return the exit code.
import { processIo, type CliIo } from './io.ts';
import { relayCommand } from './relay-command.ts';
import { leaveCommand } from './leave-command.ts';
import { statusCommand } from './status-command.ts';
import { deleteCommand, getCommand, putCommand } from './file-commands.ts';
import { forgetCommand, rememberCommand, searchCommand } from './memory-commands.ts';
import { ledgerCommand } from './ledger-command.ts';
import { MAIN_USAGE, VERSION_USAGE } from './usage.ts';
import { configCommand } from './config-command.ts';
import { lsCommand } from './ls-command.ts';
import { s3Command } from './s3-command.ts';
import { EXIT, usageError } from './cli-errors.ts';
import { tuneProcess } from '../process-tuning.ts';

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
    const { VERSION } = await import('../relay.ts');
    io.out(VERSION + '\n');
    return EXIT.OK;
  }
  switch (command) {
    case 'relay':
      return relayCommand(rest, io);
    case 'leave':
      return leaveCommand(rest, io);
    case 'status':
      return statusCommand(rest, io);
    case 'put':
      return putCommand(rest, io);
    case 'get':
      return getCommand(rest, io);
    case 'delete':
      return deleteCommand(rest, io);
    case 'remember':
      return rememberCommand(rest, io);
    case 'search':
      return searchCommand(rest, io);
    case 'forget':
      return forgetCommand(rest, io);
    case 'ledger':
      return ledgerCommand(rest, io);
    case 'ls':
      return lsCommand(rest, io);
    case 'config':
      return configCommand(rest, io);
    case 's3':
      return s3Command(rest, io);
  }
  io.err(`peertree: unknown command ${JSON.stringify(command)}\nsee 'peertree --help'\n`);
  return EXIT.USAGE;
}
