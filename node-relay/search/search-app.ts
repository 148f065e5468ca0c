// The search application: memories stored on n random relays (FTS5-indexed there), searches that descend the
// tree only into subtrees whose word summary may match, merging the best results on the way back up.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  MAX_MEMORIES_PER_AUTHOR,
  REQUEST_TIMEOUT_MS,
  SEARCH_HOP_MARGIN_MS,
  SEARCH_SUMMARY_INTERVAL_MS,
  SEARCH_SUMMARY_REFRESH_MS,
} from '../../core/limits.ts';
import { WordBloom } from '../../core/search/bloom.ts';
import { planDescent } from '../../core/search/descent.ts';
import { verifyForget } from '../../core/search/forget.ts';
import { memoryId, readMemory, verifyMemory, type Memory } from '../../core/search/memory.ts';
import { mergeHits, type SearchHit } from '../../core/search/merge.ts';
import { parseQuery, type SearchTerm } from '../../core/search/query.ts';
import { pickHolders } from '../../core/storage/placement.ts';
import { childrenOf, parentOf } from '../../core/tree/positions.ts';
import { fromUtf8, utf8 } from '../../core/bytes.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Logger } from '../log-contract.ts';
import { every, systemTimers, type Timers } from '../components.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { Link } from '../ws/link.ts';
import type { HolderIndex } from '../replication/holder-index.ts';
import { Repairer } from '../replication/memory-repairer.ts';
import type { Peers } from '../replication/peers.ts';
import type { MemoryIndex } from './memory-index.ts';
import * as M from '../../core/protocol/memory-messages.ts';

/** What search needs from the tree. */
export interface SearchTree extends Peers {
  position(): number;
  positionedMembers(): readonly { id: string; position: number }[];
  broadcast(type: string, body: unknown): void;
  onBroadcast(type: string, handler: (body: unknown) => void | Promise<void>): void;
}

export interface SearchAppInit {
  readonly dispatcher: Dispatcher;
  readonly tree: SearchTree;
  readonly index: MemoryIndex;
  readonly holders: HolderIndex;
  readonly k: number;
  readonly logger: Logger;
  readonly random: () => number;
  readonly now: () => number;
  /** Timers of the summary push (default: the system's, unref'd). */
  readonly timers?: Timers;
  /** Memories one author key may keep on this relay (default MAX_MEMORIES_PER_AUTHOR). */
  readonly memoryQuota?: number;
}

export interface SearchResult {
  readonly hits: SearchHit[];
  /** True when some subtree did not answer in time (or could not be reached). */
  readonly partial: boolean;
  /** Relays that ran the search. */
  readonly asked: number;
  /** Subtrees skipped because their summary cannot match. */
  readonly pruned: number;
}

export class SearchApp {
  readonly counters = { queries: 0, subtreeSearches: 0, pruned: 0, remembered: 0, forgotten: 0, memoryQuotaRefused: 0 };
  readonly repairer: Repairer;
  private readonly childSummaries = new Map<string, WordBloom>();
  private lastSent: { parent: string; text: string; at: number } | null = null;
  private readonly stopSummaries: () => void;
  private readonly off: (() => void)[] = [];

  constructor(private readonly init: SearchAppInit) {
    const d = init.dispatcher;
    this.off.push(
      d.on(M.REMEMBER, (m, l) => this.onRemember(m, l)),
      d.on(M.PUT, (m, l) => this.onPut(m, l)),
      d.on(M.GET, (m, l) => this.onGet(m, l)),
      d.on(M.QUERY, (m, l) => this.onQuery(m, l)),
      d.on(M.SUBTREE, (m, l) => this.onSubtree(m, l)),
      d.on(M.SUMMARY, (m, l) => this.onSummary(m, l)),
      d.on(M.FORGET, (m, l) => this.onForget(m, l)),
    );
    init.tree.onBroadcast(M.FORGET_ALL, (body) => this.forgetHere(body));
    this.repairer = new Repairer({
      read: async (id) => {
        const m = init.index.get(id);
        return m ? utf8(JSON.stringify(m)) : null;
      },
      holders: init.holders,
      peers: init.tree,
      logger: init.logger,
      putOn: (id, _hash, bytes, holders) => this.putOn(id, readMemory(JSON.parse(fromUtf8(bytes))), holders),
      announce: () => {},
    });
    this.stopSummaries = every(init.timers ?? systemTimers, SEARCH_SUMMARY_INTERVAL_MS, () => this.pushSummary());
  }

  close(): void {
    this.stopSummaries();
    for (const off of this.off.splice(0)) off();
  }

  /** Verifies and stores a memory on `replicas` random relays; returns its id and holders. */
  async remember(memory: Memory, replicas: number): Promise<{ id: string; holders: string[] }> {
    if (!(await verifyMemory(memory))) throw new PeerTreeError('BAD_SIGNATURE', 'memory signature does not verify');
    const id = await memoryId(memory);
    const members = this.init.tree.members();
    if (members.length < replicas)
      throw new PeerTreeError(
        'UNAVAILABLE',
        `need ${replicas} relays for ${replicas} replicas, but the tree has ${members.length}`,
      );
    const holders: string[] = [];
    const tried = new Set<string>();
    const errors: PeerTreeError[] = [];
    while (holders.length < replicas) {
      const batch = pickHolders(members, replicas - holders.length, this.init.random, tried);
      if (batch.length === 0) break;
      for (const b of batch) tried.add(b.id);
      const planned = [...holders, ...batch.map((b) => b.id)];
      const results = await Promise.allSettled(batch.map((b) => this.putOn(b.id, memory, planned)));
      results.forEach((r, i) =>
        r.status === 'fulfilled' ? holders.push(batch[i]!.id) : errors.push(toPeerTreeError(r.reason)),
      );
    }
    if (holders.length < replicas) {
      // Refused by every relay for being full (or the author's quota there used up): FULL, with the reason.
      const code = errors.length > 0 && errors.every((e) => e.code === 'FULL') ? 'FULL' : 'UNAVAILABLE';
      throw new PeerTreeError(
        code,
        `only ${holders.length} of ${replicas} relays took the memory (${errors
          .slice(0, 2)
          .map((e) => e.message)
          .join('; ')})`,
      );
    }
    this.counters.remembered++;
    return { id, holders };
  }

  /** Searches the subtree of this relay: own index, plus children whose summary may match, within budget. */
  async searchSubtree(terms: readonly SearchTerm[], limit: number, budgetMs: number): Promise<SearchResult> {
    this.counters.subtreeSearches++;
    const local = this.init.index.search(terms, limit);
    const members = this.init.tree.positionedMembers();
    const children = childrenOf(this.init.tree.position(), this.init.k, members.length)
      .map((p) => members[p]?.id)
      .filter((id): id is string => id !== undefined);
    let partial = false;
    let asked = 1;
    let pruned = 0;
    const childBudget = budgetMs - SEARCH_HOP_MARGIN_MS;
    const plan = planDescent(children, this.childSummaries, terms);
    pruned += plan.pruned.length;
    const tasks: Promise<SearchResult>[] = [];
    for (const child of plan.ask) {
      if (childBudget <= 0) {
        partial = true;
        continue;
      }
      tasks.push(this.askChild(child, terms, limit, childBudget));
    }
    this.counters.pruned += pruned;
    const answers = await Promise.allSettled(tasks);
    const lists: SearchHit[][] = [local];
    for (const a of answers) {
      if (a.status === 'rejected') {
        partial = true;
        continue;
      }
      lists.push(a.value.hits);
      partial ||= a.value.partial;
      asked += a.value.asked;
      pruned += a.value.pruned;
    }
    return { hits: mergeHits(lists, limit), partial, asked, pruned };
  }

  /** A search of the whole tree, started at the root (or here, partially, when the root cannot be reached). */
  async search(q: string, limit: number, budgetMs: number): Promise<SearchResult> {
    this.counters.queries++;
    const terms = parseQuery(q);
    if (terms.length === 0) return { hits: [], partial: false, asked: 0, pruned: 0 };
    const root = this.init.tree.positionedMembers()[0];
    if (!root || root.id === this.init.tree.selfId) return this.searchSubtree(terms, limit, budgetMs);
    try {
      return await this.askChild(root.id, terms, limit, budgetMs - SEARCH_HOP_MARGIN_MS);
    } catch (err) {
      this.init.logger.warn('root unreachable for a search; searching this subtree only', {
        error: toPeerTreeError(err).message,
      });
      return { ...(await this.searchSubtree(terms, limit, budgetMs - SEARCH_HOP_MARGIN_MS)), partial: true };
    }
  }

  private async askChild(
    id: string,
    terms: readonly SearchTerm[],
    limit: number,
    budgetMs: number,
  ): Promise<SearchResult> {
    const q = terms.map((t) => (t.words.length > 1 ? `"${t.words.join(' ')}"` : t.words[0])).join(' ');
    const link = await this.init.tree.linkTo(id);
    const reply = await link.request(M.SUBTREE, { q, limit, budgetMs }, budgetMs);
    return readResult(reply.body, limit);
  }

  private async putOn(id: string, memory: Memory, holders: readonly string[]): Promise<void> {
    if (id === this.init.tree.selfId) {
      const id = await memoryId(memory);
      this.checkQuota(id, memory);
      this.init.index.add(id, memory);
      this.init.holders.set(id, [...holders]);
      if (this.init.holders.target(id) === null) this.init.holders.setTarget(id, holders.length);
      return;
    }
    const link = await this.init.tree.linkTo(id);
    await link.request(M.PUT, { memory, holders }, REQUEST_TIMEOUT_MS);
  }

  /** Refuses (FULL) a new memory of an author who already keeps the quota's worth on this relay. */
  private checkQuota(id: string, memory: Memory): void {
    const quota = this.init.memoryQuota ?? MAX_MEMORIES_PER_AUTHOR;
    if (this.init.index.get(id) !== null || this.init.index.countOf(memory.author) < quota) return;
    this.counters.memoryQuotaRefused++;
    throw new PeerTreeError(
      'FULL',
      `memory quota of key ${memory.author.slice(0, 12)}… is used up on this relay (${quota} memories)`,
    );
  }

  private isMember(id: string): boolean {
    return id !== this.init.tree.selfId && this.init.tree.members().some((m) => m.id === id);
  }

  private async onRemember(m: Message, link: Link): Promise<void> {
    const { memory, replicas } = M.readRemember(m);
    const r = await this.remember(memory, replicas);
    await link.reply(m, M.STORED, r);
  }

  private async onPut(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.PUT} is for relays of this tree`);
    const { memory, holders } = M.readPut(m);
    if (!(await verifyMemory(memory))) throw new PeerTreeError('BAD_SIGNATURE', 'memory signature does not verify');
    const id = await memoryId(memory);
    this.checkQuota(id, memory);
    this.init.index.add(id, memory);
    const set = holders.includes(this.init.tree.selfId) ? holders : [...holders, this.init.tree.selfId];
    this.init.holders.set(id, set);
    if (this.init.holders.target(id) === null) this.init.holders.setTarget(id, set.length);
    await link.reply(m, M.OK, { id });
  }

  private async onGet(m: Message, link: Link): Promise<void> {
    const memory = this.init.index.get(M.readId(m));
    if (!memory) throw new PeerTreeError('NOT_FOUND', 'memory not here');
    await link.reply(m, M.MEMORY, { memory });
  }

  private async onQuery(m: Message, link: Link): Promise<void> {
    const { q, limit, budgetMs } = M.readQuery(m);
    const r = await this.search(q, limit, budgetMs);
    await link.reply(m, M.RESULTS, { ...r });
  }

  private async onSubtree(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.SUBTREE} is for relays of this tree`);
    const { q, limit, budgetMs } = M.readQuery(m);
    const r = await this.searchSubtree(parseQuery(q), limit, budgetMs);
    await link.reply(m, M.RESULTS, { ...r });
  }

  private async onSummary(m: Message, link: Link): Promise<void> {
    const text = (m.body as { bloom?: unknown } | null)?.bloom;
    if (typeof text !== 'string') throw new PeerTreeError('BAD_INPUT', `${M.SUMMARY}: bloom must be text`);
    if (!this.isMember(link.peerId)) return;
    this.childSummaries.set(link.peerId, WordBloom.fromText(text));
  }

  /** Finds a memory (here, at its holders, or at other members) to check who wrote it. */
  private async findMemory(id: string): Promise<Memory | null> {
    const local = this.init.index.get(id);
    if (local) return local;
    const hinted = this.init.holders.holders(id).filter((h) => h !== this.init.tree.selfId);
    const others = pickHolders(
      this.init.tree.members(),
      32,
      this.init.random,
      new Set([this.init.tree.selfId, ...hinted]),
    ).map((x) => x.id);
    for (const target of [...hinted, ...others].slice(0, 32)) {
      try {
        const reply = await (await this.init.tree.linkTo(target)).request(M.GET, { id }, REQUEST_TIMEOUT_MS);
        const memory = readMemory((reply.body as { memory?: unknown }).memory);
        if ((await memoryId(memory)) === id && (await verifyMemory(memory))) return memory;
      } catch {
        // not there: ask the next one
      }
    }
    return null;
  }

  private async onForget(m: Message, link: Link): Promise<void> {
    const f = M.readForget(m.body);
    if (!(await verifyForget(f)))
      throw new PeerTreeError('BAD_SIGNATURE', 'forget is not signed by the author it names');
    const memory = await this.findMemory(f.id);
    if (!memory) throw new PeerTreeError('NOT_FOUND', 'no relay holds this memory');
    if (memory.author !== f.author) throw new PeerTreeError('FORBIDDEN', 'only the author of a memory can forget it');
    this.init.tree.broadcast(M.FORGET_ALL, f);
    await link.reply(m, M.FORGOTTEN, { id: f.id });
  }

  private async forgetHere(body: unknown): Promise<void> {
    const f = M.readForget(body);
    if (!(await verifyForget(f))) return;
    const memory = this.init.index.get(f.id);
    if (!memory || memory.author !== f.author || memory.ts > f.ts) return;
    this.init.index.delete(f.id);
    this.init.holders.set(f.id, []);
    this.counters.forgotten++;
  }

  /** Sends this subtree's word summary to the parent when it changed (or is due for a refresh). */
  private pushSummary(): void {
    const members = this.init.tree.positionedMembers();
    const position = this.init.tree.position();
    const childIds = new Set(childrenOf(position, this.init.k, members.length).map((p) => members[p]?.id));
    for (const id of this.childSummaries.keys()) if (!childIds.has(id)) this.childSummaries.delete(id);
    const parentPos = position >= 0 ? parentOf(position, this.init.k) : null;
    const parent = parentPos === null ? undefined : members[parentPos]?.id;
    if (!parent) return;
    const summary = new WordBloom(this.init.index.words.bits);
    for (const s of this.childSummaries.values()) summary.merge(s);
    // A child whose summary has not arrived yet (it just moved here) may hold anything: until it reports,
    // this subtree says "may match anything" rather than let a search skip it.
    if ([...childIds].some((id) => id !== undefined && !this.childSummaries.has(id))) summary.bits.fill(0xff);
    const text = summary.toText();
    const now = this.init.now();
    if (
      this.lastSent &&
      this.lastSent.parent === parent &&
      this.lastSent.text === text &&
      now - this.lastSent.at < SEARCH_SUMMARY_REFRESH_MS
    )
      return;
    this.lastSent = { parent, text, at: now };
    void this.init.tree
      .linkTo(parent)
      .then((l) => l.send(M.SUMMARY, { bloom: text }))
      .catch(() => {
        this.lastSent = null; // try again next round
      });
  }
}

function readResult(body: unknown, limit: number): SearchResult {
  const b = body as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null || !Array.isArray(b.hits))
    throw new PeerTreeError('BAD_INPUT', 'malformed search results');
  const hits: SearchHit[] = [];
  for (const h of b.hits.slice(0, limit)) {
    const x = h as Record<string, unknown>;
    if (
      typeof x?.id !== 'string' ||
      !/^[0-9a-f]{64}$/.test(x.id) ||
      typeof x.score !== 'number' ||
      !Number.isFinite(x.score)
    )
      continue;
    hits.push({ id: x.id, score: x.score, memory: x.memory });
  }
  const asked = typeof b.asked === 'number' && Number.isSafeInteger(b.asked) ? b.asked : 1;
  const pruned = typeof b.pruned === 'number' && Number.isSafeInteger(b.pruned) ? b.pruned : 0;
  return { hits, partial: b.partial === true, asked, pruned };
}
