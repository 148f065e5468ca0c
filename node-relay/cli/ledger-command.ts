// `peertree ledger register|transfer|annotate|history|verify|whoami`: the asset provenance log.
import { toHex } from '../../core/bytes.ts';
import { toPeerTreeError } from '../../core/errors.ts';
import { GENESIS_CHAIN, verifyLedger, type LedgerEntry } from '../../core/ledger/ledger-state.ts';
import { nodeIdOfKey, readHead, verifyHead } from '../../core/ledger/entry.ts';
import { CLIENT_REQUEST_TIMEOUT_MS } from '../../core/limits.ts';
import { fetchHistory, submitRecord } from '../../core/protocol/ledger-client.ts';
import { parseCapability } from '../../core/storage/capability.ts';
import { parseFlags } from '../config/relay-config.ts';
import { connect } from '../ws/connector.ts';
import type { Link } from '../ws/link.ts';
import { loadClientIdentity } from './client-identity.ts';
import * as M from '../../core/protocol/ledger-messages.ts';
import type { CliIo } from './io.ts';

export const LEDGER_USAGE = `Usage: peertree ledger <command> --relay URL [--identity FILE]

Commands:
  register ASSET [--note TEXT]        declare yourself the owner of ASSET (a capability or its 64-hex hash)
  transfer ASSET --to PUBLIC_KEY      give ASSET to another key (you must own it)
  annotate ASSET --note TEXT          add a signed note to ASSET (you must own it)
  history ASSET                       print the asset's records as JSON lines, oldest first
  verify                              fetch the relay's whole copy, check every record, entry and the chain,
                                      and compare the chain heads of the tree's relays (a fork fails)
  whoami                              print your public key (what others transfer assets to)
`;

const TIMEOUT_MS = CLIENT_REQUEST_TIMEOUT_MS;

function assetOf(text: string): string {
  if (/^[0-9a-f]{64}$/.test(text)) return text;
  return parseCapability(text).manifest;
}


export async function ledgerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(argv, { relay: { kind: 'string' }, identity: { kind: 'string' }, to: { kind: 'string' }, note: { kind: 'string' } });
  if ('error' in parsed) return usage(io, parsed.error);
  const [sub, target, ...extra] = parsed.positionals;
  if (parsed.help || sub === undefined) {
    (parsed.help ? io.out : io.err)(LEDGER_USAGE);
    return parsed.help ? 0 : 2;
  }
  const idFile = parsed.flags.get('identity');
  if (sub === 'whoami') {
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    io.out(JSON.stringify({ publicKey: toHex(identity.publicKey), id: identity.id }) + '\n');
    return 0;
  }
  const relay = parsed.flags.get('relay');
  if (typeof relay !== 'string') return usage(io, '--relay URL is required');
  if (extra.length > 0) return usage(io, `unexpected ${extra.join(' ')}`);
  const note = parsed.flags.get('note');
  const to = parsed.flags.get('to');
  let link: Link | undefined;
  try {
    const identity = await loadClientIdentity(typeof idFile === 'string' ? idFile : undefined);
    switch (sub) {
      case 'register':
      case 'transfer':
      case 'annotate': {
        if (!target) return usage(io, `${sub} needs an ASSET`);
        const asset = assetOf(target);
        if (sub === 'transfer' && (typeof to !== 'string' || !/^[0-9a-f]{64}$/.test(to))) return usage(io, 'transfer needs --to PUBLIC_KEY (64 hex chars; see `peertree ledger whoami`)');
        if (sub === 'annotate' && typeof note !== 'string') return usage(io, 'annotate needs --note TEXT');
        link = await connect(relay, { identity });
        // The history is replayed and checked here (core's ledger client): its head is what the record follows.
        const history = await fetchHistory(link, asset);
        const accepted = await submitRecord(link, { identity, now: Date.now }, history, { kind: sub, to: sub === 'transfer' ? (to as string) : null, note: typeof note === 'string' ? note : '' });
        io.out(JSON.stringify({ seq: accepted.seq, id: accepted.id, kind: sub, asset }) + '\n');
        return 0;
      }
      case 'history': {
        if (!target) return usage(io, 'history needs an ASSET');
        link = await connect(relay);
        for (const e of (await fetchHistory(link, assetOf(target))).entries) {
          const r = e.record;
          io.out(JSON.stringify({ seq: e.seq, id: e.id, kind: r.kind, author: r.author, to: r.to, note: r.note, ts: r.ts }) + '\n');
        }
        return 0;
      }
      case 'verify': {
        link = await connect(relay);
        // Verify here, from the relay's raw entries: do not take the relay's word for it.
        const entries: LedgerEntry[] = [];
        for (let page = 0; page < 10_000; page++) {
          const reply = await link.request(M.SINCE, { from: entries.length + 1, limit: M.MAX_PAGE }, TIMEOUT_MS);
          const got = M.readEntries(reply.body).entries;
          if (got.length === 0) break;
          entries.push(...got);
        }
        const result = await verifyLedger(entries);
        const relayView = (await link.request(M.VERIFY, {}, TIMEOUT_MS)).body as Record<string, unknown>;
        if (!result.ok) {
          io.out(JSON.stringify({ ok: false, seq: result.seq, error: result.error }) + '\n');
          io.err(`peertree ledger verify: the relay's copy does not verify at entry ${result.seq}: ${result.error}\n`);
          return 1;
        }
        const forks = await compareHeads(entries, relayView.heads);
        const conflicts = typeof relayView.conflicts === 'number' ? relayView.conflicts : 0;
        const agrees = relayView.ok === true && relayView.chain === result.state.chain;
        const ok = agrees && forks.problems.length === 0 && conflicts === 0;
        io.out(JSON.stringify({ ok, entries: entries.length, chain: result.state.chain, assets: result.state.assets.size, relay: { ok: relayView.ok, chain: relayView.chain, conflicts }, heads: forks.compared, forks: forks.problems }) + '\n');
        if (!agrees) io.err('peertree ledger verify: the relay reports a different result for its own copy than the entries it served\n');
        if (conflicts > 0) io.err(`peertree ledger verify: the relay counted ${conflicts} conflicting entr${conflicts === 1 ? 'y' : 'ies'} (a fork of the ledger); see apps.ledger.conflicted in its status\n`);
        for (const p of forks.problems) io.err(`peertree ledger verify: ${p}\n`);
        return ok ? 0 : 1;
      }
      default:
        return usage(io, `unknown ledger command ${JSON.stringify(sub)}`);
    }
  } catch (err) {
    const e = toPeerTreeError(err);
    io.err(`peertree ledger ${sub}: ${e.code}: ${e.message}\n`);
    return 1;
  } finally {
    link?.close(1000, 'done');
  }
}

/**
 * Checks the relays' signed heads against this copy: a head at a sequence number this copy has must carry the
 * same chain hash there, else the two relays hold different ledgers (a fork). A head ahead of this copy cannot
 * be compared (that relay is ahead, or forked past it); a relay reporting conflicts is a fork too.
 */
async function compareHeads(entries: readonly LedgerEntry[], raw: unknown): Promise<{ compared: number; problems: string[] }> {
  const problems: string[] = [];
  let compared = 0;
  if (!Array.isArray(raw)) return { compared, problems: ['the relay sent no chain heads to compare'] };
  for (const item of raw.slice(0, M.MAX_HEADS + 1)) {
    const x = (typeof item === 'object' && item !== null ? item : {}) as { id?: unknown; head?: unknown; conflicts?: unknown };
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
    if (typeof x.conflicts === 'number' && x.conflicts > 0) problems.push(`fork: relay ${id} counted ${x.conflicts} conflicting entr${x.conflicts === 1 ? 'y' : 'ies'}`);
    if (head.seq > entries.length) continue;
    const mine = head.seq === 0 ? GENESIS_CHAIN : entries[head.seq - 1]!.chain;
    if (mine !== head.chain) problems.push(`fork: relay ${id} holds chain ${head.chain.slice(0, 16)}… at entry ${head.seq}, this copy holds ${mine.slice(0, 16)}…`);
  }
  return { compared, problems };
}

function usage(io: CliIo, message: string): number {
  io.err(`peertree ledger: ${message}\n\n${LEDGER_USAGE}`);
  return 2;
}
