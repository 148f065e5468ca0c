// `peertree leave --data DIR`: the relay on DIR leaves its tree for good. Running: it is asked (a frame signed
// with its own key) to leave gracefully and stop. Stopped: its persisted membership is forgotten.
import { existsSync, readFileSync } from 'node:fs';
import {
  CLI_CONNECT_TIMEOUT_MS,
  LEAVE_ANSWER_TIMEOUT_MS,
  LEAVE_EXIT_POLL_MS,
  LEAVE_EXIT_WAIT_MS,
  PEER_TIMEOUT_MS,
} from '../../core/limits.ts';
import type { Identity } from '../../core/identity/index.ts';
import { RELAY_LEAVE } from '../admin/self-leave.ts';
import { systemRng } from '../components.ts';
import { withConfigSources } from '../config/config-sources.ts';
import { parseFlags, parseRelayArgs } from '../config/relay-config.ts';
import { DATA_FILES, dataDirAt, type DataDir } from '../data/data-dir.ts';
import { readIdentity } from '../data/identity-store.ts';
import { processAlive, readRunningFile, removeRunningFile, type RunningRelay } from '../data/running-file.ts';
import { forgetMembership } from '../tree/forget-membership.ts';
import { connect } from '../ws/connector.ts';
import type { CliIo } from './io.ts';
import { usageError } from './cli-errors.ts';
import { LEAVE_USAGE } from './usage.ts';

const NEXT_START =
  'Its next start with this data folder does not resume the old tree: it is the root of a new tree, or joins the tree --join names.';

export async function leaveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { data: { kind: 'string' }, config: { kind: 'string' } });
  if ('error' in parsed) {
    return usageError(io, 'leave', parsed.error);
  }
  if (parsed.help) {
    io.out(LEAVE_USAGE);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    return usageError(io, 'leave', `unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  }
  // The data folder is found the way `peertree relay` finds it: --data, PEERTREE_DATA, the config file, the default.
  const sources = withConfigSources(argv, process.env, (path) => readFileSync(path, 'utf8'));
  const settings = sources.ok ? parseRelayArgs(sources.argv) : { ok: false as const, error: sources.error };
  if (settings.ok !== true) {
    return usageError(io, 'leave', `${settings.ok === false ? settings.error : 'bad settings'}`);
  }
  const dir = dataDirAt(settings.value.dataDir);
  if (!existsSync(dir.path)) {
    io.err(`peertree leave: ${dir.path} does not exist, so there is no relay there to leave a tree\n`);
    return 1;
  }
  let identity: Identity | null;
  try {
    identity = await readIdentity(dir);
  } catch (err) {
    io.err(`peertree leave: cannot read ${dir.file(DATA_FILES.seed)}: ${(err as Error).message}\n`);
    return 1;
  }
  if (identity === null) {
    io.err(`peertree leave: ${dir.path} holds no ${DATA_FILES.seed}, so it is not a relay's data folder\n`);
    return 1;
  }
  const running = readRunningFile(dir);
  // A pid equal to ours is a stale file from another container or boot, where this command got the same pid.
  if (running !== null && running.pid !== process.pid && processAlive(running.pid))
    return leaveRunning(dir, identity, running, io);
  if (running !== null) removeRunningFile(dir, running.pid);
  return leaveStopped(dir, identity, io);
}

async function leaveRunning(dir: DataDir, identity: Identity, running: RunningRelay, io: CliIo): Promise<number> {
  const file = dir.file(DATA_FILES.running);
  let link;
  try {
    link = await connect(running.url, { identity, expectedId: identity.id, timeoutMs: CLI_CONNECT_TIMEOUT_MS });
  } catch (err) {
    io.err(
      `peertree leave: process ${running.pid} named in ${file} is running, but relay ${identity.id} does not answer at ${running.url} ` +
        `(${(err as Error).message}). If that process is not this relay, remove ${file} and run peertree leave again.\n`,
    );
    return 1;
  }
  const treeId = link.treeId;
  io.out(`Relay ${identity.id} is running (pid ${running.pid}); asking it to leave tree ${treeId} for good…\n`);
  let left: boolean;
  try {
    const answer = await link.request(RELAY_LEAVE, {}, LEAVE_ANSWER_TIMEOUT_MS);
    left = (answer.body as { left?: unknown } | null)?.left === true;
  } catch (err) {
    io.err(`peertree leave: relay ${identity.id} did not carry out the leave: ${(err as Error).message}\n`);
    return 1;
  } finally {
    link.close(1000, 'leave requested');
  }
  if (!(await waitForExit(running.pid, LEAVE_EXIT_WAIT_MS))) {
    io.err(
      `peertree leave: relay ${identity.id} has left its tree, but its process ${running.pid} has not exited within ${LEAVE_EXIT_WAIT_MS / 1000} s. ` +
        `Stop it (kill ${running.pid}) and run peertree leave --data ${dir.path} again, so that its next start does not resume the tree.\n`,
    );
    return 1;
  }
  io.out(
    left
      ? `Relay ${identity.id} left tree ${treeId} and stopped. ${NEXT_START}\n`
      : `Relay ${identity.id} stopped, but the tree did not confirm its leave in time; the other relays remove it as dead after ` +
          `their time-out (about ${PEER_TIMEOUT_MS / 1000} s). ${NEXT_START}\n`,
  );
  return 0;
}

function leaveStopped(dir: DataDir, identity: Identity, io: CliIo): number {
  let forgotten;
  try {
    forgotten = forgetMembership(dir, systemRng);
  } catch (err) {
    io.err(`peertree leave: cannot update the relay's database in ${dir.path}: ${(err as Error).message}\n`);
    return 1;
  }
  io.out(
    forgotten.oldTreeId !== null
      ? `Relay ${identity.id} is not running. It has left tree ${forgotten.oldTreeId} for good: the other relays remove it as dead after ` +
          `their time-out (about ${PEER_TIMEOUT_MS / 1000} s after it stopped), and the last relay takes its position. ${NEXT_START}\n`
      : `Relay ${identity.id} is not running and has no tree membership to resume. Its next start with this data folder is ` +
          `the root of a new tree, or joins the tree --join names.\n`,
  );
  return 0;
}

/** Polls (bounded) until the process is gone. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited <= timeoutMs; waited += LEAVE_EXIT_POLL_MS) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, LEAVE_EXIT_POLL_MS));
  }
  return !processAlive(pid);
}
