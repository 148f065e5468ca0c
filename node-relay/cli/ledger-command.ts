// `peertree ledger register|transfer|annotate|history|verify|whoami`: the asset provenance log.
import { toHex } from '../../core/bytes.ts';
import { GENESIS_CHAIN, verifyLedger, type LedgerEntry } from '../../core/ledger/ledger-state.ts';
import { nodeIdOfKey, readHead, verifyHead } from '../../core/ledger/entry.ts';
import { CLIENT_REQUEST_TIMEOUT_MS, MAX_LEDGER_HEADS, MAX_LEDGER_PAGE } from '../../core/limits.ts';
import { fetchHistory, submitRecord } from '../../core/protocol/ledger-client.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { parseFlags } from '../config/relay-config.ts';
import { connect } from '../ws/connector.ts';
import type { Link } from '../ws/link.ts';
import { loadClientIdentity } from './client-identity.ts';
import * as M from '../../core/protocol/ledger-messages.ts';
import type { CliIo } from './io.ts';
import { CLIENT_OPTIONS } from './usage.ts';
import { failure, failureWithPaths, usageError } from './cli-errors.ts';
import { commandTarget } from './command-relay.ts';
import { IdleGuard, TIME_OUT_FLAGS } from './time-outs.ts';

export const LEDGER_USAGE = `Usage: peertree ledger <command> [--relay URL] [--identity FILE]

The asset provenance ledger: signed records of who owns an asset (a stored file), kept by every relay.

Commands:
  register ASSET [--note TEXT]        declare yourself the owner of ASSET (a capability or its 64-hex hash)
  transfer ASSET --to PUBLIC_KEY      give ASSET to another key (you must own it)
  annotate ASSET --note TEXT          add a signed note to ASSET (you must own it)
  history ASSET                       print the asset's records as JSON lines, oldest first
  verify                              fetch the relay's whole copy, check every record, entry and the chain,
                                      and compare the chain heads of the tree's relays (a fork fails)
  whoami                              print your public key (what others transfer assets to)

Run \`peertree ledger <command> --help\` for one command. The relay is --relay, else PEERTREE_RELAY, else
"relay" in the client config (peertree config --help).

Examples:
  peertree ledger register pt1.3f2a…  --note "first edition"
  peertree ledger history pt1.3f2a…
  peertree ledger transfer pt1.3f2a… --to $(ssh bob peertree ledger whoami | jq -r .publicKey)

Exit codes: 0 done; 1 the network or a relay failed or refused (CONFLICT, FORBIDDEN, a fork in verify);
2 a usage error or your own mistake.
`;

const COMMON = CLIENT_OPTIONS;

/** The help of each ledger command (`peertree ledger register --help`). */
export const LEDGER_COMMAND_USAGE: Record<string, string> = {
  register: `Usage: peertree ledger register ASSET [--note TEXT] [options]

Declares your key the owner of ASSET (a capability, or the 64-hex hash of its manifest). The first register
of an asset wins; a second one is refused (CONFLICT). Prints {"seq","id","kind","asset"}.
${COMMON}
Example:
  peertree ledger register pt1.3f2a… --note "scanned 2024-05-01"
`,
  transfer: `Usage: peertree ledger transfer ASSET --to PUBLIC_KEY [options]

Gives ASSET to the key PUBLIC_KEY (64 hex characters: what \`peertree ledger whoami\` prints on the
receiver's machine). Only the current owner can. Prints {"seq","id","kind","asset"}.
${COMMON}
Example:
  peertree ledger transfer pt1.3f2a… --to 9c1e…(64 hex)
`,
  annotate: `Usage: peertree ledger annotate ASSET --note TEXT [options]

Adds a signed note to ASSET. Only the current owner can. Prints {"seq","id","kind","asset"}.
${COMMON}
Example:
  peertree ledger annotate pt1.3f2a… --note "restored, see invoice 42"
`,
  history: `Usage: peertree ledger history ASSET [options]

Prints the asset's records as JSON lines, oldest first: {"seq","id","kind","author","to","note","ts"}. Every
record is checked here (signatures and the chain), not taken on the relay's word.
${COMMON}
Example:
  peertree ledger history pt1.3f2a…
`,
  verify: `Usage: peertree ledger verify [options]

Fetches the relay's whole copy of the ledger, checks every record, entry and the hash chain here, and compares
the signed chain heads of the tree's relays: a fork (two relays holding different ledgers) fails with exit 1.
Prints one JSON object {"ok","entries","chain","assets","relay","heads","forks"}.
${COMMON}
Example:
  peertree ledger verify --relay https://relay.example.org:8443
`,
  whoami: `Usage: peertree ledger whoami [--identity FILE]

Prints your public key and node id: {"publicKey","id"}. Others give it to \`peertree ledger transfer --to\`.
No relay is needed.

Exit codes: 0 done; 1 the key cannot be read; 2 a usage error, or an --identity FILE that does not exist.

Example:
  peertree ledger whoami
`,
};

function assetOf(text: string): string {
  if (/^[0-9a-f]{64}$/.test(text)) return text;
  return parseCapability(text).manifest;
}

export async function ledgerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, {
    relay: { kind: 'string' },
    identity: { kind: 'string' },
    to: { kind: 'string' },
    note: { kind: 'string' },
    ...TIME_OUT_FLAGS,
  });
  const first = argv.find((a) => !a.startsWith('-'));
  const command = first !== undefined && Object.hasOwn(LEDGER_COMMAND_USAGE, first) ? `ledger ${first}` : 'ledger';
  if ('error' in parsed) return usageError(io, command, parsed.error);
  const [sub, target, ...extra] = parsed.positionals;
  if (parsed.help) {
    io.out(sub !== undefined && Object.hasOwn(LEDGER_COMMAND_USAGE, sub) ? LEDGER_COMMAND_USAGE[sub]! : LEDGER_USAGE);
    return 0;
  }
  if (sub === undefined)
    return usageError(io, 'ledger', 'give a command: register, transfer, annotate, history, verify or whoami');
  if (!Object.hasOwn(LEDGER_COMMAND_USAGE, sub))
    return usageError(io, 'ledger', `unknown ledger command ${JSON.stringify(sub)}`);
  const usage = (_io: CliIo, reason: string) => usageError(io, command, reason);
  const idFile = parsed.flags.get('identity');
  if (sub === 'whoami') {
    try {
      const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
      io.out(JSON.stringify({ publicKey: toHex(identity.publicKey), id: identity.id }) + '\n');
      return 0;
    } catch (err) {
      return typeof idFile === 'string'
        ? failureWithPaths(io, command, err, undefined, [{ path: idFile, writing: false }])
        : failure(io, command, err);
    }
  }
  if (extra.length > 0) return usage(io, `unexpected ${extra.join(' ')}`);
  if (sub !== 'verify' && !target) return usage(io, `${sub} needs an ASSET`);
  const note = parsed.flags.get('note');
  const to = parsed.flags.get('to');
  if (sub === 'transfer' && (typeof to !== 'string' || !/^[0-9a-f]{64}$/.test(to)))
    return usage(io, 'transfer needs --to PUBLIC_KEY (64 hex chars; see `peertree ledger whoami`)');
  if (sub === 'annotate' && typeof note !== 'string') return usage(io, 'annotate needs --note TEXT');
  let asset = '';
  if (target) {
    try {
      asset = assetOf(target);
    } catch {
      return usage(io, `${JSON.stringify(target)} is not an ASSET (a capability pt1.… or a 64-hex hash)`);
    }
  }
  const where = await commandTarget(io, command, parsed);
  if (typeof where === 'number') return where;
  const { relay, connectMs } = where;
  const idle = new IdleGuard(where.idleMs);
  let link: Link | undefined;
  try {
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    switch (sub) {
      case 'register':
      case 'transfer':
      case 'annotate': {
        link = await connect(relay, { identity, timeoutMs: connectMs });
        // The history is replayed and checked here (core's ledger client): its head is what the record follows.
        const history = await idle.guard(fetchHistory(link, asset));
        const accepted = await idle.guard(
          submitRecord(link, { identity, now: Date.now }, history, {
            kind: sub,
            to: sub === 'transfer' ? (to as string) : null,
            note: typeof note === 'string' ? note : '',
          }),
        );
        io.out(JSON.stringify({ seq: accepted.seq, id: accepted.id, kind: sub, asset }) + '\n');
        return 0;
      }
      case 'history': {
        link = await connect(relay, { timeoutMs: connectMs });
        for (const e of (await idle.guard(fetchHistory(link, asset))).entries) {
          const r = e.record;
          io.out(
            JSON.stringify({ seq: e.seq, id: e.id, kind: r.kind, author: r.author, to: r.to, note: r.note, ts: r.ts }) +
              '\n',
          );
        }
        return 0;
      }
      case 'verify': {
        link = await connect(relay, { timeoutMs: connectMs });
        // Verify here, from the relay's raw entries: do not take the relay's word for it.
        const entries: LedgerEntry[] = [];
        for (let page = 0; page < 10_000; page++) {
          const reply = await idle.guard(
            link.request(M.SINCE, { from: entries.length + 1, limit: MAX_LEDGER_PAGE }, CLIENT_REQUEST_TIMEOUT_MS),
          );
          const got = M.readEntries(reply.body).entries;
          if (got.length === 0) break;
          entries.push(...got);
        }
        const result = await verifyLedger(entries);
        const relayView = (await idle.guard(link.request(M.VERIFY, {}, CLIENT_REQUEST_TIMEOUT_MS))).body as Record<
          string,
          unknown
        >;
        if (!result.ok) {
          io.out(JSON.stringify({ ok: false, seq: result.seq, error: result.error }) + '\n');
          io.err(`peertree ledger verify: the relay's copy does not verify at entry ${result.seq}: ${result.error}\n`);
          return 1;
        }
        const forks = await compareHeads(entries, relayView.heads);
        const conflicts = typeof relayView.conflicts === 'number' ? relayView.conflicts : 0;
        const agrees = relayView.ok === true && relayView.chain === result.state.chain;
        const ok = agrees && forks.problems.length === 0 && conflicts === 0;
        io.out(
          JSON.stringify({
            ok,
            entries: entries.length,
            chain: result.state.chain,
            assets: result.state.assets.size,
            relay: { ok: relayView.ok, chain: relayView.chain, conflicts },
            heads: forks.compared,
            forks: forks.problems,
          }) + '\n',
        );
        if (!agrees)
          io.err(
            'peertree ledger verify: the relay reports a different result for its own copy than the entries it served\n',
          );
        if (conflicts > 0)
          io.err(
            `peertree ledger verify: the relay counted ${conflicts} conflicting entr${conflicts === 1 ? 'y' : 'ies'} (a fork of the ledger); see apps.ledger.conflicted in its status\n`,
          );
        for (const p of forks.problems) io.err(`peertree ledger verify: ${p}\n`);
        return ok ? 0 : 1;
      }
      default:
        return usage(io, `unknown ledger command ${JSON.stringify(sub)}`);
    }
  } catch (err) {
    return failure(io, command, err, relay);
  } finally {
    link?.close(1000, 'done');
  }
}

/**
 * Checks the relays' signed heads against this copy: a head at a sequence number this copy has must carry the
 * same chain hash there, else the two relays hold different ledgers (a fork). A head ahead of this copy cannot
 * be compared (that relay is ahead, or forked past it); a relay reporting conflicts is a fork too.
 */
async function compareHeads(
  entries: readonly LedgerEntry[],
  raw: unknown,
): Promise<{ compared: number; problems: string[] }> {
  const problems: string[] = [];
  let compared = 0;
  if (!Array.isArray(raw)) return { compared, problems: ['the relay sent no chain heads to compare'] };
  for (const item of raw.slice(0, MAX_LEDGER_HEADS + 1)) {
    const x = (typeof item === 'object' && item !== null ? item : {}) as {
      id?: unknown;
      head?: unknown;
      conflicts?: unknown;
    };
    let head;
    try {
      head = readHead(x.head);
    } catch {
      problems.push('a malformed chain head');
      continue;
    }
    const id = nodeIdOfKey(head.by);
    if (!(await verifyHead(head)) || x.id !== id) {
      problems.push(`a chain head for ${String(x.id)} that its relay did not sign`);
      continue;
    }
    compared++;
    if (typeof x.conflicts === 'number' && x.conflicts > 0)
      problems.push(`fork: relay ${id} counted ${x.conflicts} conflicting entr${x.conflicts === 1 ? 'y' : 'ies'}`);
    if (head.seq > entries.length) continue;
    const mine = head.seq === 0 ? GENESIS_CHAIN : entries[head.seq - 1]!.chain;
    if (mine !== head.chain)
      problems.push(
        `fork: relay ${id} holds chain ${head.chain.slice(0, 16)}… at entry ${head.seq}, this copy holds ${mine.slice(0, 16)}…`,
      );
  }
  return { compared, problems };
}
