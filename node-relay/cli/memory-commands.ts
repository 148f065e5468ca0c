// `peertree remember`, `peertree search` and `peertree forget`: memories signed with the user's key.
import { DEFAULT_REPLICAS, MAX_REPLICAS, MAX_SEARCH_RESULTS } from '../../core/limits.ts';
import { forgetMemory, rememberMemory, searchMemories } from '../../core/protocol/memory-client.ts';
import { checkContent } from '../../core/search/memory.ts';
import { parseFlags } from '../config/relay-config.ts';
import { connect } from '../ws/connector.ts';
import { loadClientIdentity } from './client-identity.ts';
import * as M from '../../core/protocol/memory-messages.ts';
import type { CliIo } from './io.ts';
import { CLIENT_OPTIONS } from './usage.ts';
import { failure, usageError } from './cli-errors.ts';
import { commandTarget } from './command-relay.ts';
import { IdleGuard, TIME_OUT_FLAGS } from './time-outs.ts';

export const REMEMBER_USAGE = `Usage: peertree remember TEXT [--relay URL] [--ref CAPABILITY] [--tag TAG]... [--replicas N] [--identity FILE]

Stores a memory (TEXT, tags, and optionally the capability of a file it describes), signed with your key,
on N relays (default ${DEFAULT_REPLICAS}). Prints {"id": …, "holders": […]}.
${CLIENT_OPTIONS}
Example:
  peertree remember "scan of grandmother's letters, 1952" --tag family --ref pt1.3f2a…
`;

export const SEARCH_USAGE = `Usage: peertree search WORDS [--limit N] [--relay URL]

Searches every relay's memories for WORDS ("quoted phrases" match as phrases). Prints one JSON line per
match, best first: {"id","score","text","tags","ref","author","ts"}. Matches whose signature does not
verify are dropped. A search that some relays could not answer in time says so on stderr.
${CLIENT_OPTIONS}
Examples:
  peertree search letters 1952
  peertree search '"grandmother letters"' --limit 5 | jq -r .ref
`;

export const FORGET_USAGE = `Usage: peertree forget ID [--relay URL] [--identity FILE]

Forgets (deletes) the memory with this id on every relay. Only its author can.
${CLIENT_OPTIONS}
Example:
  peertree forget 5be1…(64 hex, the id remember printed)
`;

export async function rememberCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, {
    relay: { kind: 'string' },
    ref: { kind: 'string' },
    tag: { kind: 'list' },
    replicas: { kind: 'string' },
    identity: { kind: 'string' },
    ...TIME_OUT_FLAGS,
  });
  if ('error' in parsed) return usageError(io, 'remember', parsed.error);
  if (parsed.help) return (io.out(REMEMBER_USAGE), 0);
  const text = parsed.positionals.join(' ');
  if (text.trim() === '') return usageError(io, 'remember', 'give the TEXT to remember');
  const replicas = Number(parsed.flags.get('replicas') ?? DEFAULT_REPLICAS);
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    return usageError(io, 'remember', `--replicas must be 1–${MAX_REPLICAS}`);
  const ref = parsed.flags.get('ref');
  const tags = (parsed.flags.get('tag') as string[] | undefined) ?? [];
  const target = await commandTarget(io, 'remember', parsed);
  if (typeof target === 'number') return target;
  const { relay } = target;
  let link;
  try {
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    const content = checkContent({ text, tags, ref: typeof ref === 'string' ? ref : null });
    link = await connect(relay, { identity, timeoutMs: target.connectMs });
    const stored = await new IdleGuard(target.idleMs).guard(
      rememberMemory(link, { identity, now: Date.now }, content, replicas),
    );
    io.out(JSON.stringify({ id: stored.id, holders: stored.holders }) + '\n');
    return 0;
  } catch (err) {
    return failure(io, 'remember', err, relay);
  } finally {
    link?.close(1000, 'done');
  }
}

export async function searchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, limit: { kind: 'string' }, ...TIME_OUT_FLAGS });
  if ('error' in parsed) return usageError(io, 'search', parsed.error);
  if (parsed.help) return (io.out(SEARCH_USAGE), 0);
  const q = parsed.positionals.join(' ');
  if (q.trim() === '') return usageError(io, 'search', 'give the WORDS to search for');
  const limit = Number(parsed.flags.get('limit') ?? M.DEFAULT_RESULTS);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SEARCH_RESULTS)
    return usageError(io, 'search', `--limit must be 1–${MAX_SEARCH_RESULTS}`);
  const target = await commandTarget(io, 'search', parsed);
  if (typeof target === 'number') return target;
  const { relay } = target;
  let link;
  try {
    link = await connect(relay, { timeoutMs: target.connectMs });
    // Trust nothing a relay says about a memory: core's searchMemories checks each hit's id and signature.
    const { hits, dropped, partial } = await new IdleGuard(target.idleMs).guard(searchMemories(link, q, limit));
    for (const { id, score, memory } of hits) {
      const { text, tags, ref, author, ts } = memory;
      io.out(JSON.stringify({ id, score, text, tags, ref, author, ts }) + '\n');
    }
    if (dropped > 0) io.err(`peertree search: dropped ${dropped} result(s) that did not verify\n`);
    if (partial) io.err(`peertree search: partial results: some relays did not answer in time\n`);
    return 0;
  } catch (err) {
    return failure(io, 'search', err, relay);
  } finally {
    link?.close(1000, 'done');
  }
}

export async function forgetCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, identity: { kind: 'string' }, ...TIME_OUT_FLAGS });
  if ('error' in parsed) return usageError(io, 'forget', parsed.error);
  if (parsed.help) return (io.out(FORGET_USAGE), 0);
  const [id, ...extra] = parsed.positionals;
  if (!id || extra.length > 0 || !/^[0-9a-f]{64}$/.test(id))
    return usageError(io, 'forget', 'give exactly one memory ID (64 hex chars)');
  const target = await commandTarget(io, 'forget', parsed);
  if (typeof target === 'number') return target;
  const { relay } = target;
  let link;
  try {
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    link = await connect(relay, { identity, timeoutMs: target.connectMs });
    await new IdleGuard(target.idleMs).guard(forgetMemory(link, { identity, now: Date.now }, id));
    io.out(JSON.stringify({ forgotten: id }) + '\n');
    return 0;
  } catch (err) {
    return failure(io, 'forget', err, relay);
  } finally {
    link?.close(1000, 'done');
  }
}
