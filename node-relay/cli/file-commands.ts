// `peertree put` and `peertree get`: store a file through a relay, fetch and verify one by capability.
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_REPLICAS, DEFAULT_SHARD_BYTES } from '../../core/limits.ts';
import { toPeerTreeError } from '../../core/errors.ts';
import { putFile } from '../../core/storage/put-file.ts';
import { getFile, type ByteRange } from '../../core/storage/get-file.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { parseFlags } from '../config/relay-config.ts';
import { connect } from '../ws/connector.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import { openRoutedTransport } from '../storage/route-members.ts';
import type { RoutedTransport } from '../storage/routed-transport.ts';
import { mimeTypeOf } from './mime.ts';
import { loadClientIdentity } from './client-identity.ts';
import { openFile } from '../../core/storage/get-file.ts';
import { storedShards } from '../../core/storage/manifest.ts';
import { progressReporter } from './progress.ts';
import { GET_GC_BYTES, gcPacer, PUT_GC_BYTES } from './gc-pacer.ts';
import type { CliIo } from './io.ts';
import { CLIENT_OPTIONS } from './usage.ts';
import { failure, failureWithPaths, fileProblem, usageError, userError, UserError } from './cli-errors.ts';
import { commandTarget } from './command-relay.ts';
import { IdleGuard, TIME_OUT_FLAGS } from './time-outs.ts';
import { rememberName } from './name-book.ts';

export const PUT_USAGE = `Usage: peertree put FILE [--relay URL] [--replicas N] [--public] [--identity FILE]

Stores FILE on N relays (default ${DEFAULT_REPLICAS}). Encrypted on this machine with a fresh key unless
--public. Every shard is pinned with your key (--identity, default $PEERTREE_HOME/identity.seed or
~/.peertree/identity.seed, created on first use), so that only you can delete it. The last line printed
is the capability that names (and, when encrypted, unlocks) the file. Its name is noted in
$PEERTREE_HOME/names.jsonl (no key) so that \`peertree ls\` can show it.
${CLIENT_OPTIONS}
Examples:
  peertree put holiday.jpg --relay https://127.0.0.1:8443
  CAP=$(peertree put --public notes.txt | tail -n 1)
`;

export const DELETE_USAGE = `Usage: peertree delete CAPABILITY [--relay URL] [--identity FILE]

Releases your pins on the file's manifest and shards on every relay that holds them; relays then
collect shards nobody pins. A relay that is down or does not answer deletes its copy once it is back (it
learns of the delete from the relays that released); the command says how many copies wait for that.
A delete signed by any other key is refused.
${CLIENT_OPTIONS}
Example:
  peertree delete pt1.3f2a…
`;

export const GET_USAGE = `Usage: peertree get CAPABILITY [-o FILE] [--range START-END] [--relay URL]

Fetches the file named by CAPABILITY, checks every shard and the whole file, and writes it to FILE
(standard output with -o -, or when -o is absent and standard output is not a terminal). With --range,
writes only bytes START..END (inclusive). Nothing unverified is ever written under FILE's name; where FILE goes
is checked before anything is downloaded (its folder must exist and be writable, FILE must not be a folder).
${CLIENT_OPTIONS}
Examples:
  peertree get pt1.3f2a… -o holiday.jpg
  peertree get pt1.3f2a… | sha256sum
  peertree get pt1.3f2a… --range 0-1023 -o - | xxd | head
`;

function expandShortFlags(argv: readonly string[]): string[] {
  return argv.map((a) => (a === '-o' ? '--output' : a));
}

export async function putCommand(
  argv: readonly string[],
  io: CliIo,
  isTty = Boolean(process.stderr.isTTY),
): Promise<number> {
  const parsed = parseFlags(argv, {
    relay: { kind: 'string' },
    replicas: { kind: 'string' },
    public: { kind: 'boolean' },
    identity: { kind: 'string' },
    ...TIME_OUT_FLAGS,
  });
  if ('error' in parsed) return usageError(io, 'put', parsed.error);
  if (parsed.help) return (io.out(PUT_USAGE), 0);
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) return usageError(io, 'put', 'give exactly one FILE');
  const replicasText = parsed.flags.get('replicas');
  const replicas = typeof replicasText === 'string' ? Number(replicasText) : DEFAULT_REPLICAS;
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > 16)
    return usageError(io, 'put', '--replicas must be an integer from 1 to 16');
  const target = await commandTarget(io, 'put', parsed);
  if (typeof target === 'number') return target;
  const relay = target.relay;
  const idle = new IdleGuard(target.idleMs);

  let link;
  let transport: RoutedTransport | undefined;
  // Ctrl-C stops sending and releases what this put already stored; a second Ctrl-C quits at once.
  const interrupt = new AbortController();
  const onInterrupt = () => {
    if (interrupt.signal.aborted) process.exit(130);
    io.err('\ninterrupted: releasing what was already stored (press Ctrl-C again to quit now)\n');
    interrupt.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const info = await stat(file);
    if (!info.isFile())
      return userError(
        io,
        'put',
        info.isDirectory()
          ? `${file} is a folder: put takes one file (pack a folder first, e.g. tar -czf folder.tgz ${file})`
          : `${file} is not a regular file`,
      );
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    link = await connect(relay, { identity, timeoutMs: target.connectMs });
    const progress = progressReporter(io, isTty, `put ${basename(file)}`);
    const pace = gcPacer(PUT_GC_BYTES);
    // Each shard goes straight to the relay ranked first for it, which stores it and sends the other copies.
    transport = await openRoutedTransport(relay, link, { identity, now: Date.now });
    const result = await idle.guard(
      putFile(createReadStream(file, { highWaterMark: DEFAULT_SHARD_BYTES }), transport, {
        name: basename(file),
        type: mimeTypeOf(file),
        public: parsed.flags.get('public') === true,
        replicas,
        size: info.size,
        author: identity,
        signal: interrupt.signal,
        onProgress: (p) => {
          idle.touch();
          progress.update(p);
          pace(p.doneBytes);
        },
      }),
    );
    progress.done();
    const m = result.manifest;
    await rememberName(m.name, result.capability, m.size);
    const copies = result.holders.length;
    if (copies < replicas) {
      // A tree smaller than the replica count: the relays keep the target and add copies as relays join.
      io.err(
        `stored ${m.name} (${m.size} bytes, ${m.shards.length} shards) on ${copies} of ${replicas} relays: the tree has ${copies} now; the network adds the other copies as relays join\n`,
      );
    } else io.err(`stored ${m.name} (${m.size} bytes, ${m.shards.length} shards) on ${replicas} relays each\n`);
    // A machine-readable summary, then the capability as the last line (the interface scripts rely on).
    io.out(
      JSON.stringify({
        name: m.name,
        size: m.size,
        type: m.type,
        shards: m.shards.length,
        replicas,
        encrypted: m.enc !== null,
        manifestHolders: result.holders,
      }) + '\n',
    );
    io.out(result.capability + '\n');
    return 0;
  } catch (err) {
    if (interrupt.signal.aborted) {
      // The put's own words: what it released, and that nothing of the file stays stored.
      io.err(`peertree put: ${toPeerTreeError(err).message}\n`);
      return 130;
    }
    return failureWithPaths(io, 'put', err, relay, [{ path: file, writing: false }]);
  } finally {
    process.off('SIGINT', onInterrupt);
    transport?.close();
    link?.close(1000, 'done');
  }
}

function parseRange(text: string): ByteRange | null {
  const m = /^(\d{1,15})-(\d{1,15})$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end >= start ? { start, end } : null;
}

export async function getCommand(
  argv: readonly string[],
  io: CliIo,
  stdout: NodeJS.WritableStream = process.stdout,
  isTty = Boolean(process.stderr.isTTY),
): Promise<number> {
  const parsed = parseFlags(expandShortFlags(argv), {
    relay: { kind: 'string' },
    output: { kind: 'string' },
    range: { kind: 'string' },
    ...TIME_OUT_FLAGS,
  });
  if ('error' in parsed) return usageError(io, 'get', parsed.error);
  if (parsed.help) return (io.out(GET_USAGE), 0);
  const [capability, ...extra] = parsed.positionals;
  if (!capability || extra.length > 0) return usageError(io, 'get', 'give exactly one CAPABILITY');
  try {
    parseCapability(capability);
  } catch (err) {
    return usageError(io, 'get', toPeerTreeError(err).message);
  }
  const rangeText = parsed.flags.get('range');
  const range = typeof rangeText === 'string' ? parseRange(rangeText) : undefined;
  if (range === null) return usageError(io, 'get', '--range must be START-END with START ≤ END');
  const output = parsed.flags.get('output');
  const toStdout = output === undefined || output === '-';
  // A file's bytes on a terminal garble it: only with -o - (asked for) do they go there.
  if (output === undefined && (stdout as { isTTY?: boolean }).isTTY === true) {
    return userError(
      io,
      'get',
      'not writing a file to the terminal: give -o FILE to save it, or -o - to write it here anyway',
    );
  }
  const target = await commandTarget(io, 'get', parsed);
  if (typeof target === 'number') return target;
  const relay = target.relay;
  const idle = new IdleGuard(target.idleMs);

  let link;
  let transport: RoutedTransport | undefined;
  let tmpPath: string | null = null;
  let handle: { path: string; file: Awaited<ReturnType<typeof open>> } | null = null;
  const outPath = String(output);
  try {
    let write: (bytes: Uint8Array) => Promise<void>;
    if (toStdout) {
      write = (bytes) => writeStream(stdout, bytes);
    } else {
      // The place to write is checked before anything is downloaded: a folder, a missing folder, a read-only place.
      handle = await openPartial(outPath);
      tmpPath = handle.path;
      const h = handle.file;
      write = async (bytes) => {
        await h.write(bytes);
      };
    }
    link = await connect(relay, { timeoutMs: target.connectMs });
    const progress = progressReporter(io, isTty && !toStdout, 'get');
    const pace = gcPacer(GET_GC_BYTES);
    // Each shard comes straight from the relay ranked first for it (the entry relay when that fails).
    transport = await openRoutedTransport(relay, link);
    const manifest = await idle.guard(
      getFile(capability, transport, write, {
        ...(range ? { range } : {}),
        onProgress: (p) => {
          idle.touch();
          progress.update(p);
          pace(p.doneBytes);
        },
      }),
    );
    progress.done();
    if (handle && tmpPath) {
      await handle.file.sync();
      await handle.file.close();
      handle = null;
      // Only now, with every shard and the whole file verified, does the file get its name.
      try {
        await rename(tmpPath, outPath);
      } catch (err) {
        throw new UserError(fileProblem(err, outPath, true) ?? `cannot write ${outPath}: ${(err as Error).message}`);
      }
      tmpPath = null;
      io.err(`wrote ${manifest.name} (${range ? range.end - range.start + 1 : manifest.size} bytes) to ${outPath}\n`);
    }
    return 0;
  } catch (err) {
    return failure(io, 'get', err, relay);
  } finally {
    await handle?.file.close().catch(() => {});
    if (tmpPath) await rm(tmpPath, { force: true });
    transport?.close();
    link?.close(1000, 'done');
  }
}

/**
 * Opens the hidden partial file next to `target` (renamed to it once verified). Every problem is said about
 * `target`, the user's own path: a folder, a folder that does not exist, a place that cannot be written.
 */
async function openPartial(target: string): Promise<{ path: string; file: Awaited<ReturnType<typeof open>> }> {
  const existing = await stat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new UserError(fileProblem(err, target, true) ?? `cannot write ${target}: ${err.message}`);
  });
  if (existing?.isDirectory() || /[/\\]$/.test(target))
    throw new UserError(fileProblem({ code: 'EISDIR' }, target, true)!);
  const path = join(dirname(target), `.${basename(target)}.peertree-${randomBytes(6).toString('hex')}.partial`);
  try {
    return { path, file: await open(path, 'wx', 0o600) };
  } catch (err) {
    throw new UserError(fileProblem(err, target, true) ?? `cannot write ${target}: ${(err as Error).message}`);
  }
}

export async function deleteCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, identity: { kind: 'string' }, ...TIME_OUT_FLAGS });
  if ('error' in parsed) return usageError(io, 'delete', parsed.error);
  if (parsed.help) return (io.out(DELETE_USAGE), 0);
  const [capability, ...extra] = parsed.positionals;
  if (!capability || extra.length > 0) return usageError(io, 'delete', 'give exactly one CAPABILITY');
  try {
    parseCapability(capability);
  } catch (err) {
    return usageError(io, 'delete', toPeerTreeError(err).message);
  }
  const target = await commandTarget(io, 'delete', parsed);
  if (typeof target === 'number') return target;
  const relay = target.relay;
  const idle = new IdleGuard(target.idleMs);
  let link;
  try {
    const cap = parseCapability(capability);
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    link = await connect(relay, { identity, timeoutMs: target.connectMs });
    const transport = new ShardClient(link, { identity, now: Date.now });
    const manifest = (await idle.guard(openFile(capability, transport))).manifest;
    let released = 0;
    let unreached = 0;
    // Shards first, the manifest last: an interrupted delete can be run again with the same capability. A small
    // file's shard inside its manifest was never stored on its own: nothing to release.
    const shards = storedShards(manifest);
    for (const hash of [...new Set(shards), cap.manifest]) {
      const outcome = await idle.guard(transport.release(hash));
      released += outcome.released;
      unreached += outcome.unreached;
    }
    io.err(`released ${released} pins on ${shards.length + 1} shards of ${manifest.name}\n`);
    if (unreached > 0)
      io.err(
        `up to ${unreached} ${unreached === 1 ? 'copy is' : 'copies are'} on relays that did not answer; ` +
          'each deletes its copy once it is back and its regular check of its shards reaches this file; ' +
          'there is nothing to do\n',
      );
    io.out(JSON.stringify({ deleted: cap.manifest, released, ...(unreached > 0 ? { unreached } : {}) }) + '\n');
    return 0;
  } catch (err) {
    return failure(io, 'delete', err, relay);
  } finally {
    link?.close(1000, 'done');
  }
}

function writeStream(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(bytes, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}
