// Entry point of the `peertree` command (bin/peertree.js calls main): dispatch to subcommands, return the exit code.
import { processIo, type CliIo } from './io.ts';
import { relayCommand } from './relay-command.ts';
import { leaveCommand } from './leave-command.ts';
import { statusCommand } from './status-command.ts';
import { deleteCommand, getCommand, putCommand } from './file-commands.ts';
import { forgetCommand, rememberCommand, searchCommand } from './memory-commands.ts';
import { ledgerCommand } from './ledger-command.ts';
import { MAIN_USAGE } from './usage.ts';
import { tuneProcess } from '../process-tuning.ts';

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  await tuneProcess();
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(MAIN_USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    const { VERSION } = await import('../relay.ts');
    io.out(VERSION + '\n');
    return 0;
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
  }
  io.err(`peertree: unknown command ${JSON.stringify(command)}\n\n${MAIN_USAGE}`);
  return 2;
}
