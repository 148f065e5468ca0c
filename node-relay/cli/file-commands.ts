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
import { openRoutedTransport, type RoutedTransport } from '../storage/routed-transport.ts';
import { mimeTypeOf } from './mime.ts';
import { loadClientIdentity } from './client-identity.ts';
import { openFile } from '../../core/storage/get-file.ts';
import { storedShards } from '../../core/storage/manifest.ts';
import { progressReporter } from './progress.ts';
import { GET_GC_BYTES, gcPacer, PUT_GC_BYTES } from './gc-pacer.ts';
import type { CliIo } from './io.ts';

export const PUT_USAGE = `Usage: peertree put FILE --relay URL [--replicas N] [--public] [--identity FILE]

Stores FILE on N relays (default ${DEFAULT_REPLICAS}). Encrypted on this machine with a fresh key unless
--public. Every shard is pinned with your key (--identity, default $PEERTREE_HOME/identity.seed or
~/.peertree/identity.seed, created on first use), so that only you can delete it. The last line printed
is the capability that names (and, when encrypted, unlocks) the file.
`;

export const DELETE_USAGE = `Usage: peertree delete CAPABILITY --relay URL [--identity FILE]

Releases your pins on the file's manifest and shards on every relay that holds them; relays then
collect shards nobody pins. A delete signed by any other key is refused.
`;

export const GET_USAGE = `Usage: peertree get CAPABILITY --relay URL [-o FILE] [--range START-END]

Fetches the file named by CAPABILITY, checks every shard and the whole file, and writes it to FILE
(standard output when -o is absent or -). With --range, writes only bytes START..END (inclusive).
Nothing unverified is ever written under FILE's name.
`;

function expandShortFlags(argv: readonly string[]): string[] {
  return argv.map((a) => (a === '-o' ? '--output' : a));
}

export async function putCommand(argv: readonly string[], io: CliIo, isTty = Boolean(process.stderr.isTTY)): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, replicas: { kind: 'string' }, public: { kind: 'boolean' }, identity: { kind: 'string' } });
  if ('error' in parsed) return usageError(io, 'put', parsed.error, PUT_USAGE);
  if (parsed.help) return io.out(PUT_USAGE), 0;
  const [file, ...extra] = parsed.positionals;
  const relay = parsed.flags.get('relay');
  if (!file || extra.length > 0) return usageError(io, 'put', 'give exactly one FILE', PUT_USAGE);
  if (typeof relay !== 'string') return usageError(io, 'put', '--relay URL is required', PUT_USAGE);
  const replicasText = parsed.flags.get('replicas');
  const replicas = typeof replicasText === 'string' ? Number(replicasText) : DEFAULT_REPLICAS;
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > 16) return usageError(io, 'put', '--replicas must be an integer from 1 to 16', PUT_USAGE);

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
    if (!info.isFile()) return usageError(io, 'put', `${file} is not a regular file`, PUT_USAGE);
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    link = await connect(relay, { identity });
    const progress = progressReporter(io, isTty, `put ${basename(file)}`);
    const pace = gcPacer(PUT_GC_BYTES);
    // Each shard goes straight to the relay ranked first for it, which stores it and sends the other copies.
    transport = await openRoutedTransport(relay, link, { identity, now: Date.now });
    const result = await putFile(createReadStream(file, { highWaterMark: DEFAULT_SHARD_BYTES }), transport, {
      name: basename(file),
      type: mimeTypeOf(file),
      public: parsed.flags.get('public') === true,
      replicas,
      size: info.size,
      author: identity,
      signal: interrupt.signal,
      onProgress: (p) => {
        progress.update(p);
        pace(p.doneBytes);
      },
    });
    progress.done();
    const m = result.manifest;
    const copies = result.holders.length;
    if (copies < replicas) {
      // A tree smaller than the replica count: the relays keep the target and add copies as relays join.
      io.err(`stored ${m.name} (${m.size} bytes, ${m.shards.length} shards) on ${copies} of ${replicas} relays: the tree has ${copies} now; the network adds the other copies as relays join\n`);
    } else io.err(`stored ${m.name} (${m.size} bytes, ${m.shards.length} shards) on ${replicas} relays each\n`);
    // A machine-readable summary, then the capability as the last line (the interface scripts rely on).
    io.out(JSON.stringify({ name: m.name, size: m.size, type: m.type, shards: m.shards.length, replicas, encrypted: m.enc !== null, manifestHolders: result.holders }) + '\n');
    io.out(result.capability + '\n');
    return 0;
  } catch (err) {
    const e = toPeerTreeError(err);
    io.err(`peertree put: ${e.code}: ${e.message}\n`);
    return interrupt.signal.aborted ? 130 : 1;
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

export async function getCommand(argv: readonly string[], io: CliIo, stdout: NodeJS.WritableStream = process.stdout, isTty = Boolean(process.stderr.isTTY)): Promise<number> {
  const parsed = parseFlags(expandShortFlags(argv), { relay: { kind: 'string' }, output: { kind: 'string' }, range: { kind: 'string' } });
  if ('error' in parsed) return usageError(io, 'get', parsed.error, GET_USAGE);
  if (parsed.help) return io.out(GET_USAGE), 0;
  const [capability, ...extra] = parsed.positionals;
  const relay = parsed.flags.get('relay');
  if (!capability || extra.length > 0) return usageError(io, 'get', 'give exactly one CAPABILITY', GET_USAGE);
  if (typeof relay !== 'string') return usageError(io, 'get', '--relay URL is required', GET_USAGE);
  try {
    parseCapability(capability);
  } catch (err) {
    return usageError(io, 'get', toPeerTreeError(err).message, GET_USAGE);
  }
  const rangeText = parsed.flags.get('range');
  const range = typeof rangeText === 'string' ? parseRange(rangeText) : undefined;
  if (range === null) return usageError(io, 'get', '--range must be START-END with START ≤ END', GET_USAGE);
  const output = parsed.flags.get('output');
  const toStdout = output === undefined || output === '-';

  let link;
  let transport: RoutedTransport | undefined;
  let tmpPath: string | null = null;
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    link = await connect(relay);
    const progress = progressReporter(io, isTty && !toStdout, 'get');
    const pace = gcPacer(GET_GC_BYTES);
    let write: (bytes: Uint8Array) => Promise<void>;
    if (toStdout) {
      write = (bytes) => writeStream(stdout, bytes);
    } else {
      const target = String(output);
      tmpPath = join(dirname(target), `.${basename(target)}.peertree-${randomBytes(6).toString('hex')}.partial`);
      handle = await open(tmpPath, 'wx', 0o600);
      const h = handle;
      write = async (bytes) => {
        await h.write(bytes);
      };
    }
    // Each shard comes straight from the relay ranked first for it (the entry relay when that fails).
    transport = await openRoutedTransport(relay, link);
    const manifest = await getFile(capability, transport, write, {
      ...(range ? { range } : {}),
      onProgress: (p) => {
        progress.update(p);
        pace(p.doneBytes);
      },
    });
    progress.done();
    if (handle && tmpPath) {
      await handle.sync();
      await handle.close();
      handle = null;
      // Only now, with every shard and the whole file verified, does the file get its name.
      await rename(tmpPath, String(output));
      tmpPath = null;
      io.err(`wrote ${manifest.name} (${range ? range.end - range.start + 1 : manifest.size} bytes) to ${String(output)}\n`);
    }
    return 0;
  } catch (err) {
    const e = toPeerTreeError(err);
    io.err(`peertree get: ${e.code}: ${e.message}\n`);
    return 1;
  } finally {
    await handle?.close().catch(() => {});
    if (tmpPath) await rm(tmpPath, { force: true });
    transport?.close();
    link?.close(1000, 'done');
  }
}

export async function deleteCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, identity: { kind: 'string' } });
  if ('error' in parsed) return usageError(io, 'delete', parsed.error, DELETE_USAGE);
  if (parsed.help) return io.out(DELETE_USAGE), 0;
  const [capability, ...extra] = parsed.positionals;
  const relay = parsed.flags.get('relay');
  if (!capability || extra.length > 0) return usageError(io, 'delete', 'give exactly one CAPABILITY', DELETE_USAGE);
  if (typeof relay !== 'string') return usageError(io, 'delete', '--relay URL is required', DELETE_USAGE);
  let link;
  try {
    const cap = parseCapability(capability);
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    link = await connect(relay, { identity });
    const transport = new ShardClient(link, { identity, now: Date.now });
    const manifest = (await openFile(capability, transport)).manifest;
    let released = 0;
    // Shards first, the manifest last: an interrupted delete can be run again with the same capability. A small
    // file's shard inside its manifest was never stored on its own: nothing to release.
    const shards = storedShards(manifest);
    for (const hash of [...new Set(shards), cap.manifest]) released += await transport.unpin(hash);
    io.err(`released ${released} pins on ${shards.length + 1} shards of ${manifest.name}\n`);
    io.out(JSON.stringify({ deleted: cap.manifest, released }) + '\n');
    return 0;
  } catch (err) {
    const e = toPeerTreeError(err);
    io.err(`peertree delete: ${e.code}: ${e.message}\n`);
    return 1;
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

function usageError(io: CliIo, command: string, message: string, usage: string): number {
  io.err(`peertree ${command}: ${message}\n\n${usage}`);
  return 2;
}
