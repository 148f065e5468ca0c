// `peertree relay`: parse flags, start the relay, print the ready line, wait for SIGTERM/SIGINT (stop to come
// back) or the operator's `peertree leave` (leave for good), shut down.
import { createLogger } from '../logger.ts';
import type { Logger } from '../log-contract.ts';
import { defaultComponents } from '../default-components.ts';
import { readFileSync } from 'node:fs';
import { parseRelayArgs } from '../config/relay-config.ts';
import { withConfigSources } from '../config/config-sources.ts';
import { startRelay, type Relay } from '../relay.ts';
import { forgetMembership } from '../tree/forget-membership.ts';
import { RELAY_USAGE } from './usage.ts';
import { startApps, type RunningApps } from '../apps/start-apps.ts';
import { BUILTIN_APPS, OPTIONAL_APPS } from '../apps/builtin-apps.ts';
import type { CliIo } from './io.ts';
import { usageError } from './cli-errors.ts';
import { READY_JOIN_POLL_MS, READY_JOIN_WAIT_MS } from '../../core/limits.ts';

export async function relayCommand(argv: readonly string[], io: CliIo): Promise<number> {
  // Flags first, then PEERTREE_* environment variables, then a JSON config file (--config / PEERTREE_CONFIG).
  const sources = withConfigSources(argv, process.env, (path) => readFileSync(path, 'utf8'));
  if (!sources.ok) {
    return usageError(io, 'relay', sources.error);
  }
  const parsed = parseRelayArgs(sources.argv);
  if (parsed.ok === 'help') {
    io.out(RELAY_USAGE);
    return 0;
  }
  if (!parsed.ok) {
    return usageError(io, 'relay', parsed.error);
  }
  const config = parsed.value;
  const components = defaultComponents({ logger: createLogger({ level: config.logLevel }) });
  let relay: Relay;
  try {
    relay = await startRelay(config, components);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint =
      e.code === 'EADDRINUSE'
        ? ` (port ${config.port} is in use; pick another --port)`
        : e.code === 'EACCES'
          ? ' (permission denied)'
          : '';
    io.err(`peertree relay: cannot start: ${e.message}${hint}\n`);
    return 1;
  }
  let apps: RunningApps;
  try {
    // The example guestbook runs only when asked for (PEERTREE_APPS=guestbook): it is a teaching aid.
    const optional = (process.env.PEERTREE_APPS ?? '')
      .split(',')
      .map((n) => OPTIONAL_APPS[n.trim()])
      .filter((a) => a !== undefined);
    apps = await startApps(relay, [...BUILTIN_APPS, ...optional]);
  } catch (err) {
    io.err(`peertree relay: cannot start the applications: ${(err as Error).message}\n`);
    await relay.close();
    return 1;
  }
  relay.setStatusSection('apps', () => apps.status());
  // A joining relay prints its ready line once it is in the tree: before that its tree id and position are
  // those of a lone relay (a throw-away id, position -1), which told the operator nothing true.
  const joined = config.join.length === 0 || (await joinedWithin(relay, READY_JOIN_WAIT_MS));
  const ready = {
    url: relay.url,
    ws: relay.wsUrl,
    id: relay.id,
    publicKey: relay.publicKeyHex,
    treeId: relay.treeId,
    position: relay.status().position,
    ...(config.join.length > 0 ? { joined } : {}),
    pid: process.pid,
    data: relay.dataDir.path,
    // `acme`: --domain; the fingerprint is of what is served now (the self-signed pair until the CA's arrives).
    tls: relay.acme !== null ? 'acme' : relay.tls ? (relay.tls.selfSigned ? 'self-signed' : 'certificate') : 'none',
    fingerprint256: relay.tls?.fingerprint256 ?? null,
    ...(relay.config.acme !== undefined ? { domain: relay.config.acme.domain } : {}),
  };
  // Signal handlers go in before the ready line: whoever reads the line may send SIGTERM at once.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    /**
     * Stops the relay. `forGood` (the operator's `peertree leave`, or a signal with --leave-on-stop) also
     * forgets the persisted membership, so the next start does not resume the tree; otherwise the relay
     * stops to come back and resumes its tree at the next start.
     */
    const shutdown = (why: string, forGood: { leave: boolean } | null) => {
      stopping = true;
      const leaving = forGood?.leave === true ? leaveTree(relay, components.logger, why) : Promise.resolve();
      void leaving
        .then(() => apps.close())
        .then(() => relay.close())
        .then(() => {
          if (forGood === null) return;
          const forgotten = forgetMembership(relay.dataDir, components.rng);
          components.logger.info('left the tree for good: the next start does not resume it', {
            why,
            treeId: forgotten.treeId,
          });
        })
        .then(
          () => {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
            // If a stray handle kept the event loop alive, do not hang: the relay state is already closed.
            setTimeout(() => process.exit(0), 2_000).unref();
            resolve(0);
          },
          (err: unknown) => {
            components.logger.error('shutdown failed', { error: String(err) });
            resolve(1);
          },
        );
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        components.logger.warn('second signal: exiting now', { signal });
        process.exit(1);
      }
      components.logger.info('signal received', { signal, leave: config.leaveOnStop === true });
      // Without --leave-on-stop a signal means "restarting": the tree keeps this relay's position meanwhile.
      shutdown(signal, config.leaveOnStop === true ? { leave: true } : null);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // `peertree leave --data DIR`: the relay has already left (the admin frame ran the leave); stop for good.
    relay.onLeaveRequest((left) => {
      if (stopping) return;
      if (left) components.logger.info('left the tree', { why: 'peertree leave' });
      else components.logger.warn('leave not confirmed in time; stopping for good anyway', { why: 'peertree leave' });
      shutdown('peertree leave', { leave: false });
    });
    // Joining refused for good (join control): say why on stderr and exit 1.
    relay.onTreeFatal((err) => {
      if (stopping) return;
      stopping = true;
      io.err(`peertree relay: cannot join the tree: ${err.message} (${err.code})\n`);
      void apps
        .close()
        .then(() => relay.close())
        .finally(() => {
          setTimeout(() => process.exit(1), 2_000).unref();
          resolve(1);
        });
    });
  });
  io.out(JSON.stringify(ready) + '\n');
  return stopped;
}

/** The graceful leave (announced, bounded wait): the tree shrinks at once instead of after its time-out. */
async function leaveTree(relay: Relay, logger: Logger, why: string): Promise<void> {
  try {
    if (await relay.leave()) logger.info('left the tree', { why });
    else logger.warn('leave not confirmed in time; shutting down anyway', { why });
  } catch (err) {
    logger.warn('leave failed; shutting down anyway', { why, error: String(err) });
  }
}

/** True once the relay holds a position in a tree (polled, at most `waitMs`); false if it is still joining then. */
async function joinedWithin(relay: Relay, waitMs: number): Promise<boolean> {
  const isIn = () => {
    const tree = relay.status();
    return tree.position >= 0 && (tree.phase === undefined || tree.phase === 'member');
  };
  for (let waited = 0; waited < waitMs && !isIn(); waited += READY_JOIN_POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, READY_JOIN_POLL_MS));
  }
  return isIn();
}
