// `peertree ls`: what the user's key pins, asked of every relay of the tree (each answers for its own store, only
// to the owner: a signed `shard.list`), merged per shard with the number of relays holding it, and named from
// this machine's name book where a `put` from here noted the name.
import { toPeerTreeError } from '../../core/errors.ts';
import { MAX_LIST_PAGES, MAX_ROUTED_LINKS } from '../../core/limits.ts';
import { ShardClient } from '../../core/protocol/shard-client.ts';
import type { Identity } from '../../core/identity/index.ts';
import { parseFlags } from '../config/relay-config.ts';
import { routeMembers } from '../storage/route-members.ts';
import { connect } from '../ws/connector.ts';
import type { Link } from '../ws/link.ts';
import { EXIT, failure, usageError } from './cli-errors.ts';
import { loadClientIdentity } from './client-identity.ts';
import { commandTarget } from './command-relay.ts';
import { readNameBook } from './name-book.ts';
import { IdleGuard, TIME_OUT_FLAGS } from './time-outs.ts';
import { CLIENT_OPTIONS } from './usage.ts';
import type { CliIo } from './io.ts';

export const LS_USAGE = `Usage: peertree ls [--json] [--relay URL] [--identity FILE]

Lists what your key pins: every shard a relay of the tree keeps for you, asked of each relay (a relay tells
only the key itself, on a request that key signed). One line per shard: its size, on how many relays it is
pinned, when you pinned it, its hash, and its name when known. Relays never learn names (an encrypted file's
manifest is sealed): the names come from $PEERTREE_HOME/names.jsonl, where \`peertree put\` notes the manifest
of each file it stores from this machine. A file is its manifest (the named line) plus its data shards.

  --json            one JSON object per line: {"hash","size","copies","relays","pinnedAt","name"}
  --identity FILE   the key whose pins to list (default $PEERTREE_HOME/identity.seed or ~/.peertree/identity.seed)
${CLIENT_OPTIONS}
A summary goes to standard error; relays that did not answer are named there (exit 1 only when none answered).

Examples:
  peertree ls
  peertree ls --json | jq -r 'select(.name) | "\\(.name) \\(.copies)"'
`;

/** Relays asked at once. */
const LS_PARALLEL = 4;

interface Listed {
  size: number;
  ts: number;
  relays: string[];
}

/** Every pin of `identity` on the relay behind `link`, page by page (bounded by MAX_LIST_PAGES). */
async function pinsOn(
  link: Link,
  identity: Identity,
  idle: IdleGuard,
): Promise<{ hash: string; size: number; ts: number }[]> {
  const client = new ShardClient(link, { identity, now: Date.now });
  const all: { hash: string; size: number; ts: number }[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const { pins, next }: Awaited<ReturnType<ShardClient['listPins']>> = await idle.guard(client.listPins(after));
    all.push(...pins);
    if (next === null) return all;
    after = next;
  }
  return all;
}

function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function dateText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export async function lsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, {
    relay: { kind: 'string' },
    identity: { kind: 'string' },
    json: { kind: 'boolean' },
    ...TIME_OUT_FLAGS,
  });
  if ('error' in parsed) return usageError(io, 'ls', parsed.error);
  if (parsed.help) return (io.out(LS_USAGE), EXIT.OK);
  if (parsed.positionals.length > 0)
    return usageError(io, 'ls', `unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  const target = await commandTarget(io, 'ls', parsed);
  if (typeof target === 'number') return target;
  const { relay } = target;
  const idle = new IdleGuard(target.idleMs);
  const links: Link[] = [];
  try {
    const idFile = parsed.flags.get('identity');
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    const entry = await connect(relay, { identity, timeoutMs: target.connectMs });
    links.push(entry);
    // Each relay answers for its own store: ask them all (the entry relay's member list; only the entry relay
    // when it lists no whole tree). A direct link must prove the key of the member id it was dialled for.
    const members = (await routeMembers(relay)).slice(0, MAX_ROUTED_LINKS);
    const others = members.filter((m) => m.id !== entry.peerId);
    const byHash = new Map<string, Listed>();
    const failed: string[] = [];
    const note = (relayId: string, pins: { hash: string; size: number; ts: number }[]) => {
      for (const p of pins) {
        const seen = byHash.get(p.hash);
        if (seen) {
          seen.relays.push(relayId);
          seen.ts = Math.max(seen.ts, p.ts);
        } else byHash.set(p.hash, { size: p.size, ts: p.ts, relays: [relayId] });
      }
    };
    note(entry.peerId, await pinsOn(entry, identity, idle));
    for (let i = 0; i < others.length; i += LS_PARALLEL) {
      await Promise.all(
        others.slice(i, i + LS_PARALLEL).map(async (m) => {
          try {
            const link = await connect(m.url, { identity, expectedId: m.id, timeoutMs: target.connectMs });
            links.push(link);
            note(m.id, await pinsOn(link, identity, idle));
          } catch (err) {
            failed.push(`${m.id} (${m.url}): ${toPeerTreeError(err).message}`);
          }
        }),
      );
    }
    const names = await readNameBook();
    const rows = [...byHash.entries()].map(([hash, x]) => ({ hash, ...x, name: names.get(hash)?.name ?? null }));
    // Named files first (by name), then the other shards by hash.
    rows.sort((a, b) =>
      (a.name === null) !== (b.name === null)
        ? a.name === null
          ? 1
          : -1
        : (a.name ?? a.hash).localeCompare(b.name ?? b.hash),
    );
    if (parsed.flags.get('json') === true) {
      for (const r of rows)
        io.out(
          JSON.stringify({
            hash: r.hash,
            size: r.size,
            copies: r.relays.length,
            relays: r.relays,
            pinnedAt: new Date(r.ts).toISOString(),
            name: r.name,
          }) + '\n',
        );
    } else if (rows.length > 0) {
      io.out(`${'SIZE'.padEnd(10)} ${'COPIES'.padEnd(6)} ${'PINNED (UTC)'.padEnd(16)} ${'SHARD'.padEnd(64)} NAME\n`);
      for (const r of rows)
        io.out(
          `${bytesText(r.size).padEnd(10)} ${String(r.relays.length).padEnd(6)} ${dateText(r.ts)} ${r.hash} ${r.name ?? '-'}\n`,
        );
    }
    const total = rows.reduce((sum, r) => sum + r.size, 0);
    const named = rows.filter((r) => r.name !== null).length;
    const asked = 1 + others.length;
    io.err(
      `${rows.length} shards (${bytesText(total)} per copy) pinned by your key on ${asked - failed.length} of ${asked} relays; ${named} named (files put from this machine)\n`,
    );
    for (const f of failed) io.err(`peertree ls: not listed: relay ${f}\n`);
    return EXIT.OK;
  } catch (err) {
    return failure(io, 'ls', err, relay);
  } finally {
    for (const link of links) link.close(1000, 'done');
  }
}
