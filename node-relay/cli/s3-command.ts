// `peertree s3`: runs the local S3 gateway until Ctrl-C / SIGTERM; `peertree s3 keys [--rotate]`: its credentials.
import { DEFAULT_REPLICAS, MAX_REPLICAS, S3_DEFAULT_PORT } from '../../core/limits.ts';
import { parseFlags } from '../config/relay-config.ts';
import { loadCredentials, rotateCredentials } from '../s3/credentials.ts';
import { startGateway } from '../s3/gateway.ts';
import { loadClientIdentity, loadClientLibraryKey } from './client-identity.ts';
import { openKeyBackup } from './key-backup.ts';
import { toHex } from '../../core/bytes.ts';
import { commandTarget } from './command-relay.ts';
import { failure, usageError, userError, UserError } from './cli-errors.ts';
import { TIME_OUT_FLAGS } from './time-outs.ts';
import { CLIENT_OPTIONS } from './usage.ts';
import type { CliIo } from './io.ts';

export const S3_USAGE = `Usage: peertree s3 [--relay URL] [--listen HOST:PORT] [--replicas N] [--identity FILE | --backup FILE]
                  [--log-requests]
       peertree s3 keys [--rotate]

Runs an S3-compatible gateway on this machine (default http://127.0.0.1:${S3_DEFAULT_PORT}), so that rclone, restic,
the AWS CLI, s3cmd and other S3 tools store into PeerTree. Files are encrypted here before they reach any relay,
as with \`peertree put\`, and pinned with your key. The first line printed is JSON with the endpoint, the access
key and the secret for your S3 tool. The keys live in $PEERTREE_HOME/s3-credentials.json (readable by you only)
and stay the same until \`peertree s3 keys --rotate\`. Which key holds which file is kept in
$PEERTREE_HOME/s3-index.sqlite. Stop it with Ctrl-C. See docs/s3.md.

  --listen HOST:PORT   where to listen (default 127.0.0.1:${S3_DEFAULT_PORT}; port 0 picks a free one)
  --replicas N         copies of each file (default ${DEFAULT_REPLICAS})
  --identity FILE      your key (default $PEERTREE_HOME/identity.seed or ~/.peertree/identity.seed)
  --backup FILE        act as the person of this key backup (made in the app: Device → Back up the key), with
                       the passphrase in $PEERTREE_BACKUP_PASSPHRASE, so that the app shows the objects.
  --log-requests       print one line per request on stderr: the S3 operation, its status and bytes stored
Every object is listed in the library of the key used, as "BUCKET/KEY"; without --backup that is the library of
your CLI key, sealed with $PEERTREE_HOME/identity.library-key (made on first start, readable by you only).
  keys                 print the credentials as JSON; with --rotate, replace them first (a running gateway
                       switches to them within a second; the old secret is refused from then on)
${CLIENT_OPTIONS}
Examples:
  peertree s3 --relay https://127.0.0.1:8443
  rclone sync ./photos peertree:photos      # with an rclone remote pointing at the endpoint (docs/s3.md)
  peertree s3 keys --rotate
`;

function parseListen(text: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

async function keysCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { rotate: { kind: 'boolean' } });
  if ('error' in parsed) return usageError(io, 's3 keys', parsed.error);
  if (parsed.help) return (io.out(S3_USAGE), 0);
  if (parsed.positionals.length > 0)
    return usageError(io, 's3 keys', `unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  const rotate = parsed.flags.get('rotate') === true;
  const creds = rotate ? await rotateCredentials() : await loadCredentials();
  if (rotate)
    io.err(
      'new S3 credentials made: a running `peertree s3` uses them within a second; give your S3 tools the new secret\n',
    );
  io.out(JSON.stringify({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }) + '\n');
  return 0;
}

export async function s3Command(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === 'keys') return keysCommand(argv.slice(1), io);
  const parsed = parseFlags(argv, {
    relay: { kind: 'string' },
    listen: { kind: 'string' },
    replicas: { kind: 'string' },
    identity: { kind: 'string' },
    backup: { kind: 'string' },
    region: { kind: 'string' },
    'log-requests': { kind: 'boolean' },
    ...TIME_OUT_FLAGS,
  });
  if ('error' in parsed) return usageError(io, 's3', parsed.error);
  if (parsed.help) return (io.out(S3_USAGE), 0);
  if (parsed.positionals.length > 0)
    return usageError(io, 's3', `unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  const listenText = parsed.flags.get('listen');
  const listen =
    typeof listenText === 'string' ? parseListen(listenText) : { host: '127.0.0.1', port: S3_DEFAULT_PORT };
  if (!listen) return usageError(io, 's3', '--listen must be HOST:PORT, e.g. 127.0.0.1:9000');
  const replicasText = parsed.flags.get('replicas');
  const replicas = typeof replicasText === 'string' ? Number(replicasText) : DEFAULT_REPLICAS;
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    return usageError(io, 's3', `--replicas must be an integer from 1 to ${MAX_REPLICAS}`);
  const region = parsed.flags.get('region');
  const backup = parsed.flags.get('backup');
  if (typeof backup === 'string' && parsed.flags.has('identity'))
    return usageError(io, 's3', 'give --identity or --backup, not both');
  const passphrase = process.env.PEERTREE_BACKUP_PASSPHRASE;
  if (typeof backup === 'string' && !passphrase)
    return usageError(io, 's3', '--backup needs the passphrase in $PEERTREE_BACKUP_PASSPHRASE');
  const target = await commandTarget(io, 's3', parsed);
  if (typeof target === 'number') return target;
  let gateway;
  let owner: string | null;
  try {
    const idFile = parsed.flags.get('identity');
    let identity;
    let libraryKey: Uint8Array | undefined;
    if (typeof backup === 'string') {
      const opened = await openKeyBackup(backup, passphrase!);
      identity = opened.identity;
      if (!opened.libraryKey)
        return userError(
          io,
          's3',
          `${backup} holds no library key (it was made before the library lived on relays): make a new backup in the app`,
        );
      libraryKey = opened.libraryKey;
    } else {
      const file = typeof idFile === 'string' ? idFile : undefined;
      identity = await loadClientIdentity(file);
      libraryKey = await loadClientLibraryKey(file);
    }
    gateway = await startGateway({
      relay: target.relay,
      identity,
      host: listen.host,
      port: listen.port,
      replicas,
      connectMs: target.connectMs,
      log: io.err,
      ...(parsed.flags.get('log-requests') === true ? { logRequests: true } : {}),
      ...(typeof region === 'string' ? { region } : {}),
      ...(libraryKey ? { libraryKey } : {}),
    });
    owner = libraryKey ? toHex(identity.publicKey) : null;
  } catch (err) {
    if (err instanceof UserError) return userError(io, 's3', err.message);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      return failure(
        io,
        's3',
        new Error(
          `${listen.host}:${listen.port} is already in use: stop what listens there or give --listen HOST:OTHERPORT`,
        ),
      );
    return failure(io, 's3', err, target.relay);
  }
  const { endpoint, credentials } = gateway;
  io.out(
    JSON.stringify({
      endpoint,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      region: gateway.region,
      relay: target.relay,
      library: owner,
    }) + '\n',
  );
  io.err(`S3 gateway on ${endpoint} storing into ${target.relay}; press Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.err('stopping the S3 gateway\n');
  await gateway.stop();
  return 0;
}
