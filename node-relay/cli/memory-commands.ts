// `peertree remember`, `peertree search` and `peertree forget`: memories signed with the user's key.
import { DEFAULT_REPLICAS, MAX_REPLICAS } from '../../core/limits.ts';
import { toPeerTreeError } from '../../core/errors.ts';
import { forgetMemory, rememberMemory, searchMemories } from '../../core/protocol/memory-client.ts';
import { checkContent } from '../../core/search/memory.ts';
import { parseFlags } from '../config/relay-config.ts';
import { connect } from '../ws/connector.ts';
import { loadClientIdentity } from './client-identity.ts';
import * as M from '../../core/protocol/memory-messages.ts';
import type { CliIo } from './io.ts';

export const REMEMBER_USAGE = `Usage: peertree remember TEXT --relay URL [--ref CAPABILITY] [--tag TAG]... [--replicas N] [--identity FILE]

Stores a memory (TEXT, tags, and optionally the capability of a file it describes), signed with your key,
on N relays (default ${DEFAULT_REPLICAS}). Prints {"id": …, "holders": […]}.
`;

export const SEARCH_USAGE = `Usage: peertree search WORDS --relay URL [--limit N]

Searches every relay's memories for WORDS ("quoted phrases" match as phrases). Prints one JSON line per
match, best first: {"id","score","text","tags","ref","author","ts"}. Matches whose signature does not
verify are dropped. A search that some relays could not answer in time says so on stderr.
`;

export const FORGET_USAGE = `Usage: peertree forget ID --relay URL [--identity FILE]

Forgets (deletes) the memory with this id on every relay. Only its author can.
`;

function usage(io: CliIo, command: string, message: string, text: string): number {
  io.err(`peertree ${command}: ${message}\n\n${text}`);
  return 2;
}

function failure(io: CliIo, command: string, err: unknown): number {
  const e = toPeerTreeError(err);
  io.err(`peertree ${command}: ${e.code}: ${e.message}\n`);
  return 1;
}

export async function rememberCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, ref: { kind: 'string' }, tag: { kind: 'list' }, replicas: { kind: 'string' }, identity: { kind: 'string' } });
  if ('error' in parsed) return usage(io, 'remember', parsed.error, REMEMBER_USAGE);
  if (parsed.help) return io.out(REMEMBER_USAGE), 0;
  const text = parsed.positionals.join(' ');
  const relay = parsed.flags.get('relay');
  if (text.trim() === '') return usage(io, 'remember', 'give the TEXT to remember', REMEMBER_USAGE);
  if (typeof relay !== 'string') return usage(io, 'remember', '--relay URL is required', REMEMBER_USAGE);
  const replicas = Number(parsed.flags.get('replicas') ?? DEFAULT_REPLICAS);
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) return usage(io, 'remember', `--replicas must be 1–${MAX_REPLICAS}`, REMEMBER_USAGE);
  const ref = parsed.flags.get('ref');
  const tags = (parsed.flags.get('tag') as string[] | undefined) ?? [];
  let link;
  try {
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    const content = checkContent({ text, tags, ref: typeof ref === 'string' ? ref : null });
    link = await connect(relay, { identity });
    const stored = await rememberMemory(link, { identity, now: Date.now }, content, replicas);
    io.out(JSON.stringify({ id: stored.id, holders: stored.holders }) + '\n');
    return 0;
  } catch (err) {
    return failure(io, 'remember', err);
  } finally {
    link?.close(1000, 'done');
  }
}

export async function searchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, limit: { kind: 'string' } });
  if ('error' in parsed) return usage(io, 'search', parsed.error, SEARCH_USAGE);
  if (parsed.help) return io.out(SEARCH_USAGE), 0;
  const q = parsed.positionals.join(' ');
  const relay = parsed.flags.get('relay');
  if (q.trim() === '') return usage(io, 'search', 'give the WORDS to search for', SEARCH_USAGE);
  if (typeof relay !== 'string') return usage(io, 'search', '--relay URL is required', SEARCH_USAGE);
  const limit = Number(parsed.flags.get('limit') ?? M.DEFAULT_RESULTS);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > M.MAX_RESULTS) return usage(io, 'search', `--limit must be 1–${M.MAX_RESULTS}`, SEARCH_USAGE);
  let link;
  try {
    link = await connect(relay);
    // Trust nothing a relay says about a memory: core's searchMemories checks each hit's id and signature.
    const { hits, dropped, partial } = await searchMemories(link, q, limit);
    for (const { id, score, memory } of hits) {
      const { text, tags, ref, author, ts } = memory;
      io.out(JSON.stringify({ id, score, text, tags, ref, author, ts }) + '\n');
    }
    if (dropped > 0) io.err(`peertree search: dropped ${dropped} result(s) that did not verify\n`);
    if (partial) io.err(`peertree search: partial results: some relays did not answer in time\n`);
    return 0;
  } catch (err) {
    return failure(io, 'search', err);
  } finally {
    link?.close(1000, 'done');
  }
}

export async function forgetCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, identity: { kind: 'string' } });
  if ('error' in parsed) return usage(io, 'forget', parsed.error, FORGET_USAGE);
  if (parsed.help) return io.out(FORGET_USAGE), 0;
  const [id, ...extra] = parsed.positionals;
  const relay = parsed.flags.get('relay');
  if (!id || extra.length > 0 || !/^[0-9a-f]{64}$/.test(id)) return usage(io, 'forget', 'give exactly one memory ID (64 hex chars)', FORGET_USAGE);
  if (typeof relay !== 'string') return usage(io, 'forget', '--relay URL is required', FORGET_USAGE);
  let link;
  try {
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    link = await connect(relay, { identity });
    await forgetMemory(link, { identity, now: Date.now }, id);
    io.out(JSON.stringify({ forgotten: id }) + '\n');
    return 0;
  } catch (err) {
    return failure(io, 'forget', err);
  } finally {
    link?.close(1000, 'done');
  }
}
