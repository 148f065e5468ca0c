// The ledger application: the root of the current signed membership sequences records and signs every
// entry, keeps each entry on its children before answering, and broadcasts it; every relay verifies every
// entry, its sequencer and the whole chain, raises a different entry at a sequence number it already holds as
// a conflict (never acknowledged), and catches up from its parent (or the root) when it is behind. A new root
// first catches up from the root group, then sequences on. docs/ledger.md says exactly what is accepted.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  entrySignedBy,
  nodeIdOfKey,
  proofHolds,
  signEntry,
  signHead,
  type LedgerHead,
  type PinProof,
} from '../../core/ledger/entry.ts';
import { foldPage, forkError, keptPrefix, placeEntry, startCatchUp, type Fork } from '../../core/ledger/follower.ts';
import {
  admit,
  append,
  applyEntry,
  emptyLedger,
  verifyLedger,
  type LedgerEntry,
  type LedgerState,
} from '../../core/ledger/ledger-state.ts';
import { recordId, verifyRecord, type LedgerRecord } from '../../core/ledger/record.ts';
import { checkRegistrant } from '../../core/ledger/registrant.ts';
import { rendezvousOrder } from '../../core/storage/placement.ts';
import { childrenOf, parentOf } from '../../core/tree/positions.ts';
import type { Message } from '../../core/wire/index.ts';
import type { AppContext, AppInstance, RelayApp } from '../apps/app.ts';
import type { Link } from '../ws/link.ts';
import { LedgerStore } from './ledger-store.ts';
import {
  LEDGER_CATCH_UP_INTERVAL_MS,
  LEDGER_MAX_BUFFERED,
  LEDGER_MAX_CATCH_UP_PAGES,
  LEDGER_PEER_QUESTION_TIMEOUT_MS,
  LEDGER_REQUEST_TIMEOUT_MS,
  MAX_LEDGER_CONFLICTS_SHOWN,
  MAX_LEDGER_HEADS,
  MAX_LEDGER_PAGE,
  MAX_PIN_HOLDERS_ASKED,
} from '../../core/limits.ts';
import * as M from '../../core/protocol/ledger-messages.ts';

/** A different entry at a sequence number, signed by a known root: a fork of the ledger. */
export interface LedgerConflict {
  readonly seq: number;
  /** What this relay holds at seq (its chain hash there), or what its chain is just before seq. */
  readonly held: { readonly seq: number; readonly id: string | null; readonly chain: string };
  readonly received: { readonly id: string; readonly chain: string; readonly sequencer: string };
  readonly at: number;
}

type Counters = {
  sequenced: number;
  applied: number;
  rejected: number;
  caughtUp: number;
  refused: number;
  notRoot: number;
  unknownSequencer: number;
  unvouched: number;
  conflicts: number;
  registerRefused: number;
};

export class LedgerApp implements AppInstance {
  readonly counters: Counters = {
    sequenced: 0,
    applied: 0,
    rejected: 0,
    caughtUp: 0,
    refused: 0,
    notRoot: 0,
    unknownSequencer: 0,
    unvouched: 0,
    conflicts: 0,
    registerRefused: 0,
  };
  private state: LedgerState = emptyLedger();
  private readonly store: LedgerStore;
  /** Every change of state goes through this queue: one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly buffered = new Map<number, LedgerEntry>();
  /** Resolves when this relay may sequence (a new root first catches up from the root group). */
  private ready: Promise<void> = Promise.resolve();
  private wasRoot = false;
  private timer: unknown = null;
  private closed = false;
  private readonly off: (() => void)[] = [];
  private catchingUp: Promise<void> | null = null;
  /** Ids of every relay this relay has seen at position 0 of a membership it installed (persisted). */
  private readonly roots = new Set<string>();
  private readonly conflicts = new Map<string, LedgerConflict>();
  private pinQuery: { get(hash: string, owner: string): unknown } | null | undefined;

  private constructor(private readonly ctx: AppContext) {
    this.store = new LedgerStore(ctx.db);
    for (const id of this.store.roots()) this.roots.add(id);
    const d = ctx.dispatcher;
    this.off.push(
      d.on(M.SUBMIT, (m, l) => this.onSubmit(m, l)),
      d.on(M.SEQUENCE, (m, l) => this.onSequence(m, l)),
      d.on(M.REPLICATE, (m, l) => this.onReplicate(m, l)),
      d.on(M.SINCE, (m, l) => this.onSince(m, l)),
      d.on(M.HISTORY, (m, l) => this.onHistory(m, l)),
      d.on(M.VERIFY, (m, l) => this.onVerify(m, l)),
      d.on(M.HEAD_REQUEST, (m, l) => this.onHead(m, l)),
      d.on(M.PINNED, (m, l) => this.onPinned(m, l)),
      ctx.tree.on(M.ENTRY, (message) => {
        if (!message.broadcast) return;
        // The tree names the relay that started the broadcast; only a root may start one. The entry's own
        // signature is what is trusted: `from` is only a cheap first filter.
        if (!this.roots.has(message.from)) {
          this.counters.notRoot++;
          return;
        }
        void this.receiveLive(M.readEntry(message.body)).catch(() => {});
      }),
      ctx.tree.onMembership(() => this.onMembership()),
    );
    this.scheduleCatchUp();
  }

  /** Loads and re-verifies the stored copy, then starts. */
  static async start(ctx: AppContext): Promise<LedgerApp> {
    const app = new LedgerApp(ctx);
    for (let from = 1; ;) {
      const page = app.store.entriesFrom(from, MAX_LEDGER_PAGE);
      if (page.length === 0) break;
      for (const e of page) app.state = await applyEntry(app.state, e);
      from = page.at(-1)!.seq + 1;
    }
    app.onMembership();
    return app;
  }

  status(): Record<string, unknown> {
    return {
      seq: this.state.seq,
      chain: this.state.chain,
      assets: this.state.assets.size,
      buffered: this.buffered.size,
      ...this.counters,
      roots: this.roots.size,
      conflicted: [...this.conflicts.values()],
    };
  }

  /** Asks whether this relay is behind every LEDGER_CATCH_UP_INTERVAL_MS (on the components' timers). */
  private scheduleCatchUp(): void {
    if (this.closed) return;
    this.timer = this.ctx.components.timers.setTimeout(() => {
      void this.catchUp()
        .catch(() => {})
        .finally(() => this.scheduleCatchUp());
    }, LEDGER_CATCH_UP_INTERVAL_MS);
  }

  close(): void {
    this.closed = true;
    this.ctx.components.timers.clearTimeout(this.timer);
    for (const off of this.off.splice(0)) off();
  }

  get head(): { seq: number; chain: string } {
    return { seq: this.state.seq, chain: this.state.chain };
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  private members(): readonly { id: string; position: number }[] {
    return this.ctx.tree.members();
  }

  private isRoot(): boolean {
    return this.ctx.tree.position === 0;
  }

  private isMember(id: string): boolean {
    return id !== this.ctx.self.id && this.members().some((m) => m.id === id);
  }

  /** The relay at position 0 of the current membership (this one when it is alone). */
  private currentRoot(): string {
    return this.members()[0]?.id ?? this.ctx.self.id;
  }

  private rememberRoot(id: string): void {
    if (this.roots.has(id)) return;
    this.roots.add(id);
    this.store.rememberRoot(id, this.ctx.tree.epoch);
  }

  private knownSequencer(key: string): boolean {
    return this.roots.has(nodeIdOfKey(key));
  }

  /** Adds a record through the root; resolves once it is sequenced and kept by the root's children. */
  async submit(
    record: LedgerRecord,
    manifest: Uint8Array | null = null,
    digest?: Uint8Array,
  ): Promise<{ seq: number; id: string }> {
    if (this.isRoot() || this.members().length === 0) return this.sequence(record, manifest, digest);
    const root = this.members()[0]!;
    const link = await this.ctx.tree.linkTo(root.id);
    // A registration's manifest shard travels with it (the root checks who signed it).
    const reply = await link.request(
      M.SEQUENCE,
      { record },
      LEDGER_REQUEST_TIMEOUT_MS,
      manifest ? { payload: manifest } : {},
    );
    const b = reply.body as { seq?: unknown; id?: unknown };
    if (typeof b.seq !== 'number' || typeof b.id !== 'string')
      throw new PeerTreeError('INTERNAL', 'malformed answer from the root');
    return { seq: b.seq, id: b.id };
  }

  /** The pin `owner` signed on shard `hash`, if this relay keeps one (the storage application's pin index). */
  private localPin(hash: string, owner: string): PinProof | null {
    try {
      this.pinQuery ??= this.ctx.db.prepare('SELECT ts, sig FROM shard_pins WHERE hash = ? AND owner = ?');
    } catch {
      this.pinQuery = null;
    }
    if (!this.pinQuery) return null;
    const row = this.pinQuery.get(hash, owner) as { ts?: unknown; sig?: unknown } | undefined;
    if (
      row === undefined ||
      typeof row.ts !== 'number' ||
      typeof row.sig !== 'string' ||
      !/^[0-9a-f]{128}$/.test(row.sig)
    )
      return null;
    return { ts: row.ts, sig: row.sig };
  }

  /**
   * Root only: the author's signed pin of the asset's manifest shard, from this relay or from the first members
   * in the shard's rendezvous order (its holders). A holder can withhold it, never forge it: the proof is
   * checked against the author's key here and by every relay that applies the entry.
   */
  private async findPin(asset: string, author: string): Promise<PinProof | null> {
    const own = this.localPin(asset, author);
    if (own !== null && (await proofHolds(asset, author, own))) return own;
    const others = rendezvousOrder(asset, this.members())
      .filter((m) => m.id !== this.ctx.self.id)
      .slice(0, MAX_PIN_HOLDERS_ASKED);
    const answers = await Promise.allSettled(
      others.map(async (m) => {
        const link = await this.ctx.tree.linkTo(m.id);
        const proof = M.readPin(
          (await link.request(M.PINNED, { hash: asset, owner: author }, LEDGER_PEER_QUESTION_TIMEOUT_MS)).body,
        );
        return proof !== null && (await proofHolds(asset, author, proof)) ? proof : null;
      }),
    );
    for (const a of answers) if (a.status === 'fulfilled' && a.value !== null) return a.value;
    return null;
  }

  /** Root only: admits, appends, signs, replicates to the children, broadcasts. Idempotent for a repeated record. */
  private async sequence(
    record: LedgerRecord,
    manifest: Uint8Array | null = null,
    digest?: Uint8Array,
  ): Promise<{ seq: number; id: string }> {
    await this.ready;
    const known = this.store.find(await recordId(record));
    const first = known === null && record.kind === 'register' && !this.state.assets.has(record.asset);
    if (first) {
      // The record's own signature first (a tampered record is that, whatever it carries), then who signed the manifest.
      if (!(await verifyRecord(record)))
        throw new PeerTreeError('BAD_SIGNATURE', 'ledger record signature does not verify');
      try {
        await checkRegistrant(record.asset, record.author, manifest, digest);
      } catch (err) {
        this.counters.registerRefused++;
        throw err;
      }
    }
    const proof = first ? await this.findPin(record.asset, record.author) : null;
    const entry = await this.serial(async () => {
      const id = await recordId(record);
      const existing = this.store.find(id);
      if (existing) return existing;
      try {
        await admit(this.state, record, proof);
      } catch (err) {
        if (record.kind === 'register' && toPeerTreeError(err).code === 'FORBIDDEN') this.counters.registerRefused++;
        throw err;
      }
      const next = await append(this.state, record, id, proof);
      this.rememberRoot(this.ctx.self.id);
      const signed: LedgerEntry = { ...next.entry, ...(await signEntry(this.ctx.identity, next.entry)) };
      this.store.append(signed);
      this.state = next.state;
      this.counters.sequenced++;
      return signed;
    });
    // Before answering, the root group holds the entry: a new root catches up from it, so nothing
    // acknowledged is lost when this root fails.
    const members = this.members();
    const children = childrenOf(0, this.ctx.k, members.length).map((p) => members[p]!.id);
    const acks = await Promise.allSettled(
      children.map(async (id) =>
        (await this.ctx.tree.linkTo(id)).request(M.REPLICATE, { entry }, LEDGER_REQUEST_TIMEOUT_MS),
      ),
    );
    if (children.length > 0 && acks.every((a) => a.status === 'rejected')) {
      throw new PeerTreeError(
        'UNAVAILABLE',
        'no relay of the root group could keep the entry; try again (the record will not be duplicated)',
      );
    }
    this.ctx.tree.broadcast(M.ENTRY, entry);
    return { seq: entry.seq, id: entry.id };
  }

  /** Remembers a fork for the status and the log (once per offered entry), then refuses it. */
  private raiseConflict({ entry, held }: Fork): never {
    this.noteFork({ entry, held });
    throw forkError(entry);
  }

  private noteFork({ entry, held }: Fork): void {
    const key = `${entry.seq}:${entry.chain}`;
    if (this.conflicts.has(key)) return;
    this.counters.conflicts++;
    this.conflicts.set(key, {
      seq: entry.seq,
      held,
      received: { id: entry.id, chain: entry.chain, sequencer: nodeIdOfKey(entry.by) },
      at: this.ctx.components.clock.now(),
    });
    if (this.conflicts.size > MAX_LEDGER_CONFLICTS_SHOWN) this.conflicts.delete(this.conflicts.keys().next().value!);
    this.ctx.logger.warn('ledger conflict: a root signed a different entry at a sequence number this relay holds', {
      seq: entry.seq,
      sequencer: nodeIdOfKey(entry.by),
    });
  }

  /** Where an entry of a known root stands against this relay's ledger (core/ledger/follower.ts); a fork throws. */
  private async place(entry: LedgerEntry): Promise<'held' | 'next' | 'ahead'> {
    const placed = await placeEntry(this.state, (seq) => this.store.at(seq), entry);
    if (typeof placed !== 'string') this.raiseConflict(placed.fork);
    return placed;
  }

  /** An entry from the root (broadcast or replication): signed by a known root, applied or buffered. */
  private async receiveLive(entry: LedgerEntry): Promise<'held' | 'applied' | 'buffered'> {
    if (!(await entrySignedBy(entry, entry.by, entry.sig))) {
      this.counters.rejected++;
      throw new PeerTreeError('BAD_SIGNATURE', `entry ${entry.seq} is not signed by the sequencer it names`);
    }
    if (!this.knownSequencer(entry.by)) {
      this.counters.unknownSequencer++;
      throw new PeerTreeError(
        'FORBIDDEN',
        `entry ${entry.seq} is signed by ${nodeIdOfKey(entry.by)}, which is not a root this relay knows`,
      );
    }
    return this.serial(async () => {
      const where = await this.place(entry);
      if (where === 'held') return 'held';
      if (where === 'ahead') {
        if (this.buffered.size < LEDGER_MAX_BUFFERED) this.buffered.set(entry.seq, entry);
        void this.catchUp().catch(() => {});
        return 'buffered';
      }
      await this.applyOne(entry);
      await this.drainBuffered();
      return 'applied';
    });
  }

  /** Applies buffered entries that are now next (each was signed by a known root when it arrived). */
  private async drainBuffered(): Promise<void> {
    for (let next = this.buffered.get(this.state.seq + 1); next; next = this.buffered.get(this.state.seq + 1)) {
      this.buffered.delete(next.seq);
      try {
        await this.place(next);
        await this.applyOne(next);
      } catch {
        break;
      }
    }
    for (const seq of this.buffered.keys()) if (seq <= this.state.seq) this.buffered.delete(seq);
  }

  private async applyOne(entry: LedgerEntry): Promise<void> {
    try {
      const state = await applyEntry(this.state, entry);
      this.store.append(entry);
      this.state = state;
      this.counters.applied++;
    } catch (err) {
      this.counters.rejected++;
      this.ctx.logger.warn('ledger entry rejected', { seq: entry.seq, error: toPeerTreeError(err).message });
      throw err;
    }
  }

  /**
   * Fetches missing entries from `id` (bounded pages) and keeps the longest prefix that is vouched for
   * (core/ledger/follower.ts says which); the rest is counted as unvouched and tried again next round.
   */
  private catchUpFrom(id: string): Promise<void> {
    return this.serial(async () => {
      const link = await this.ctx.tree.linkTo(id);
      let c = startCatchUp(this.state);
      for (let page = 0; page < LEDGER_MAX_CATCH_UP_PAGES && !c.done; page++) {
        const reply = await link.request(
          M.SINCE,
          { from: c.state.seq + 1, limit: MAX_LEDGER_PAGE },
          LEDGER_REQUEST_TIMEOUT_MS,
        );
        const got = M.readEntries(reply.body);
        const r = await foldPage(
          c,
          got,
          (key) => this.knownSequencer(key),
          (seq) => this.store.at(seq)?.id ?? null,
        );
        c = r.catchUp;
        if (r.fork) this.noteFork(r.fork);
        if (r.refused) {
          if (r.refused.counted) this.counters.rejected++;
          this.ctx.logger.warn('ledger entry rejected in catch-up', {
            seq: r.refused.seq,
            from: id,
            error: r.refused.error.message,
          });
        }
      }
      const { kept, unvouched } = keptPrefix(c);
      for (const p of kept) {
        this.store.append(p.entry);
        this.state = p.state;
        this.counters.applied++;
        this.counters.caughtUp++;
      }
      this.counters.unvouched += unvouched;
      await this.drainBuffered();
    });
  }

  /** Asks the parent, then the root, for entries this relay lacks. One round at a time. */
  catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      try {
        const members = this.members();
        const position = this.ctx.tree.position;
        if (position <= 0 || members.length < 2) return;
        const parent = members[parentOf(position, this.ctx.k)!]!.id;
        const before = this.counters.unvouched;
        await this.catchUpFrom(parent).catch(() => {});
        const stuck = this.buffered.size > 0 || this.counters.unvouched > before;
        if (stuck && parent !== members[0]!.id) await this.catchUpFrom(members[0]!.id).catch(() => {});
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  private onMembership(): void {
    const members = this.members();
    if (members.length > 0) this.rememberRoot(members[0]!.id);
    const root = this.isRoot() && members.length > 1;
    if (root && !this.wasRoot) {
      // Newly root (or restarted as root): take what the root group has before sequencing anything new.
      const group = childrenOf(0, this.ctx.k, members.length).map((p) => members[p]!.id);
      this.ready = Promise.allSettled(group.map((id) => this.catchUpFrom(id))).then(() => undefined);
    }
    this.wasRoot = this.isRoot();
    void this.catchUp().catch(() => {});
  }

  private async onSubmit(m: Message, link: Link): Promise<void> {
    const record = M.readRecordBody(m.body, M.SUBMIT);
    try {
      await link.reply(m, M.ACCEPTED, await this.submit(record, m.payload, m.payloadDigest));
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
  }

  private async onSequence(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.SEQUENCE} is for relays of this tree`);
    if (!this.isRoot())
      throw new PeerTreeError('UNAVAILABLE', 'this relay is not the root (the tree is changing); try again');
    await link.reply(
      m,
      M.ACCEPTED,
      await this.sequence(M.readRecordBody(m.body, M.SEQUENCE), m.payload, m.payloadDigest),
    );
  }

  private async onReplicate(m: Message, link: Link): Promise<void> {
    const entry = M.readEntry((m.body as { entry?: unknown } | null)?.entry);
    if (link.peerId === this.ctx.self.id || link.peerId !== this.currentRoot()) {
      this.counters.notRoot++;
      throw new PeerTreeError('FORBIDDEN', `${M.REPLICATE} is accepted only from the root of the current membership`);
    }
    if (entry.seq > this.state.seq + 1) await this.catchUpFrom(link.peerId).catch(() => {});
    await this.receiveLive(entry);
    if (this.state.seq < entry.seq)
      throw new PeerTreeError('UNAVAILABLE', `entry ${entry.seq} not kept (have ${this.state.seq})`);
    await link.reply(m, M.OK, { seq: entry.seq });
  }

  private async onSince(m: Message, link: Link): Promise<void> {
    const { from, limit } = M.readSince(m.body);
    const entries = this.store.entriesFrom(from, limit);
    // The root vouches for its own chain: a relay that never saw the roots before it can still catch up.
    const vouch = this.isRoot()
      ? await signHead(this.ctx.identity, this.state.seq, this.state.chain, this.ctx.components.clock.now())
      : undefined;
    await link.reply(m, M.ENTRIES, { entries, head: this.state.seq, ...(vouch ? { vouch } : {}) });
  }

  private async onHistory(m: Message, link: Link): Promise<void> {
    await link.reply(m, M.ENTRIES, {
      entries: this.store.history(M.readAsset(m.body)).slice(-MAX_LEDGER_PAGE),
      head: this.state.seq,
    });
  }

  private async onHead(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId))
      throw new PeerTreeError('FORBIDDEN', `${M.HEAD_REQUEST} is for relays of this tree`);
    if (typeof m.body !== 'object' || m.body === null || Array.isArray(m.body))
      throw new PeerTreeError('BAD_INPUT', `${M.HEAD_REQUEST}: body must be an object`);
    await link.reply(m, M.HEAD, { head: await this.ownHead(), conflicts: this.counters.conflicts });
  }

  private async onPinned(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.PINNED} is for relays of this tree`);
    const { hash, owner } = M.readPinned(m.body);
    await link.reply(m, M.PIN, { proof: this.localPin(hash, owner) });
  }

  private ownHead(): Promise<LedgerHead> {
    return signHead(this.ctx.identity, this.state.seq, this.state.chain, this.ctx.components.clock.now());
  }

  /** The signed heads of this relay and of up to MAX_HEADS other members (each signed by its own relay). */
  private async heads(): Promise<{ id: string; head: LedgerHead; conflicts: number }[]> {
    const others = this.members()
      .filter((x) => x.id !== this.ctx.self.id)
      .slice(0, MAX_LEDGER_HEADS);
    const answers = await Promise.allSettled(
      others.map(async (x) => {
        const link = await this.ctx.tree.linkTo(x.id);
        return {
          id: x.id,
          ...M.readHeadReply((await link.request(M.HEAD_REQUEST, {}, LEDGER_PEER_QUESTION_TIMEOUT_MS)).body),
        };
      }),
    );
    const out = [{ id: this.ctx.self.id, head: await this.ownHead(), conflicts: this.counters.conflicts }];
    for (const a of answers) if (a.status === 'fulfilled') out.push(a.value);
    return out;
  }

  private async onVerify(m: Message, link: Link): Promise<void> {
    const all: LedgerEntry[] = [];
    for (let from = 1; ;) {
      const page = this.store.entriesFrom(from, MAX_LEDGER_PAGE);
      if (page.length === 0) break;
      all.push(...page);
      from = page.at(-1)!.seq + 1;
    }
    const result = await verifyLedger(all);
    const heads = await this.heads();
    const mine = result.ok
      ? { ok: true, seq: result.state.seq, chain: result.state.chain }
      : { ok: false, seq: result.seq, error: result.error };
    await link.reply(m, M.VERIFIED, { ...mine, conflicts: this.counters.conflicts, heads });
  }
}

export const ledgerApp: RelayApp = {
  name: 'ledger',
  start: (ctx) => LedgerApp.start(ctx),
};
