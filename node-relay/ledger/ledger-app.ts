// The ledger application: the root sequences records, keeps each entry on its children before answering,
// and broadcasts it; every relay verifies every entry and the whole chain, and catches up from its parent
// (or the root) when it is behind. A new root first catches up from the root group, then sequences on.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { admit, append, applyEntry, emptyLedger, verifyLedger, type LedgerEntry, type LedgerState } from '../../core/ledger/ledger-state.ts';
import { recordId, type LedgerRecord } from '../../core/ledger/record.ts';
import { childrenOf, parentOf } from '../../core/tree/positions.ts';
import type { Message } from '../../core/wire/index.ts';
import type { AppContext, AppInstance, RelayApp } from '../apps/app.ts';
import type { Link } from '../ws/link.ts';
import { LedgerStore } from './ledger-store.ts';
import * as M from './ledger-messages.ts';

/** How often a relay asks whether it is behind (also done on every membership change). */
export const CATCH_UP_INTERVAL_MS = 3_000;
export const LEDGER_REQUEST_TIMEOUT_MS = 10_000;
/** Entries that arrived ahead of a gap, kept until the gap is filled. */
export const MAX_BUFFERED = 1_000;
/** Pages fetched in one catch-up round (bounded work). */
export const MAX_CATCH_UP_PAGES = 100;

export class LedgerApp implements AppInstance {
  readonly counters = { sequenced: 0, applied: 0, rejected: 0, caughtUp: 0, refused: 0 };
  private state: LedgerState = emptyLedger();
  private readonly store: LedgerStore;
  /** Every change of state goes through this queue: one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly buffered = new Map<number, LedgerEntry>();
  /** Resolves when this relay may sequence (a new root first catches up from the root group). */
  private ready: Promise<void> = Promise.resolve();
  private wasRoot = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly off: (() => void)[] = [];
  private catchingUp: Promise<void> | null = null;

  private constructor(private readonly ctx: AppContext) {
    this.store = new LedgerStore(ctx.db);
    const d = ctx.dispatcher;
    this.off.push(
      d.on(M.SUBMIT, (m, l) => this.onSubmit(m, l)),
      d.on(M.SEQUENCE, (m, l) => this.onSequence(m, l)),
      d.on(M.REPLICATE, (m, l) => this.onReplicate(m, l)),
      d.on(M.SINCE, (m, l) => this.onSince(m, l)),
      d.on(M.HISTORY, (m, l) => this.onHistory(m, l)),
      d.on(M.VERIFY, (m, l) => this.onVerify(m, l)),
      ctx.tree.on(M.ENTRY, (message) => {
        if (message.broadcast) void this.receive(M.readEntry(message.body)).catch(() => {});
      }),
      ctx.tree.onMembership(() => this.onMembership()),
    );
    this.timer = setInterval(() => void this.catchUp().catch(() => {}), CATCH_UP_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** Loads and re-verifies the stored copy, then starts. */
  static async start(ctx: AppContext): Promise<LedgerApp> {
    const app = new LedgerApp(ctx);
    for (let from = 1; ; ) {
      const page = app.store.entriesFrom(from, M.MAX_PAGE);
      if (page.length === 0) break;
      for (const e of page) app.state = await applyEntry(app.state, e);
      from = page.at(-1)!.seq + 1;
    }
    app.onMembership();
    return app;
  }

  status(): Record<string, unknown> {
    return { seq: this.state.seq, chain: this.state.chain, assets: this.state.assets.size, buffered: this.buffered.size, ...this.counters };
  }

  close(): void {
    clearInterval(this.timer);
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

  /** Adds a record through the root; resolves once it is sequenced and kept by the root's children. */
  async submit(record: LedgerRecord): Promise<{ seq: number; id: string }> {
    if (this.isRoot() || this.members().length === 0) return this.sequence(record);
    const root = this.members()[0]!;
    const link = await this.ctx.tree.linkTo(root.id);
    const reply = await link.request(M.SEQUENCE, { record }, LEDGER_REQUEST_TIMEOUT_MS);
    const b = reply.body as { seq?: unknown; id?: unknown };
    if (typeof b.seq !== 'number' || typeof b.id !== 'string') throw new PeerTreeError('INTERNAL', 'malformed answer from the root');
    return { seq: b.seq, id: b.id };
  }

  /** Root only: admits, appends, replicates to the children, broadcasts. Idempotent for a repeated record. */
  private async sequence(record: LedgerRecord): Promise<{ seq: number; id: string }> {
    await this.ready;
    const entry = await this.serial(async () => {
      const id = await recordId(record);
      const existing = this.store.find(id);
      if (existing) return existing;
      await admit(this.state, record);
      const next = await append(this.state, record, id);
      this.store.append(next.entry);
      this.state = next.state;
      this.counters.sequenced++;
      return next.entry;
    });
    // Before answering, the root group holds the entry: a new root catches up from it, so nothing
    // acknowledged is lost when this root fails.
    const members = this.members();
    const children = childrenOf(0, this.ctx.k, members.length).map((p) => members[p]!.id);
    const acks = await Promise.allSettled(
      children.map(async (id) => (await this.ctx.tree.linkTo(id)).request(M.REPLICATE, { entry }, LEDGER_REQUEST_TIMEOUT_MS)),
    );
    if (children.length > 0 && acks.every((a) => a.status === 'rejected')) {
      throw new PeerTreeError('UNAVAILABLE', 'no relay of the root group could keep the entry; try again (the record will not be duplicated)');
    }
    this.ctx.tree.broadcast(M.ENTRY, entry);
    return { seq: entry.seq, id: entry.id };
  }

  /** Applies an entry from the root (broadcast, replication or catch-up), buffering ahead of a gap. */
  private receive(entry: LedgerEntry): Promise<void> {
    return this.serial(async () => {
      if (entry.seq <= this.state.seq) return;
      if (entry.seq > this.state.seq + 1) {
        if (this.buffered.size < MAX_BUFFERED) this.buffered.set(entry.seq, entry);
        void this.catchUp().catch(() => {});
        return;
      }
      await this.applyOne(entry);
      for (let next = this.buffered.get(this.state.seq + 1); next; next = this.buffered.get(this.state.seq + 1)) {
        this.buffered.delete(next.seq);
        await this.applyOne(next);
      }
      for (const seq of this.buffered.keys()) if (seq <= this.state.seq) this.buffered.delete(seq);
    });
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

  /** Fetches missing entries from `id` until it has no more (bounded pages). */
  private async catchUpFrom(id: string): Promise<void> {
    const link = await this.ctx.tree.linkTo(id);
    for (let page = 0; page < MAX_CATCH_UP_PAGES; page++) {
      const reply = await link.request(M.SINCE, { from: this.state.seq + 1, limit: M.MAX_PAGE }, LEDGER_REQUEST_TIMEOUT_MS);
      const { entries } = M.readEntries(reply.body);
      if (entries.length === 0) return;
      for (const e of entries) await this.receive(e);
      this.counters.caughtUp += entries.length;
    }
  }

  /** Asks the parent, then the root, for entries this relay lacks. One round at a time. */
  catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      try {
        const members = this.members();
        const position = this.ctx.tree.position;
        if (position <= 0 || members.length < 2) return;
        const parent = members[parentOf(position, this.ctx.k)!]!.id;
        await this.catchUpFrom(parent).catch(() => {});
        if (this.buffered.size > 0 && parent !== members[0]!.id) await this.catchUpFrom(members[0]!.id).catch(() => {});
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  private onMembership(): void {
    const root = this.isRoot() && this.members().length > 1;
    if (root && !this.wasRoot) {
      // Newly root (or restarted as root): take what the root group has before sequencing anything new.
      const members = this.members();
      const group = childrenOf(0, this.ctx.k, members.length).map((p) => members[p]!.id);
      this.ready = Promise.allSettled(group.map((id) => this.catchUpFrom(id))).then(() => undefined);
    }
    this.wasRoot = this.isRoot();
    void this.catchUp().catch(() => {});
  }

  private async onSubmit(m: Message, link: Link): Promise<void> {
    const record = M.readRecordBody(m.body, M.SUBMIT);
    try {
      await link.reply(m, M.ACCEPTED, await this.submit(record));
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
  }

  private async onSequence(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.SEQUENCE} is for relays of this tree`);
    if (!this.isRoot()) throw new PeerTreeError('UNAVAILABLE', 'this relay is not the root (the tree is changing); try again');
    await link.reply(m, M.ACCEPTED, await this.sequence(M.readRecordBody(m.body, M.SEQUENCE)));
  }

  private async onReplicate(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.REPLICATE} is for relays of this tree`);
    const entry = M.readEntry((m.body as { entry?: unknown }).entry);
    if (entry.seq > this.state.seq + 1) await this.catchUpFrom(link.peerId).catch(() => {});
    await this.receive(entry);
    if (this.state.seq < entry.seq) throw new PeerTreeError('UNAVAILABLE', `entry ${entry.seq} not kept (have ${this.state.seq})`);
    await link.reply(m, M.OK, { seq: entry.seq });
  }

  private async onSince(m: Message, link: Link): Promise<void> {
    const { from, limit } = M.readSince(m.body);
    await link.reply(m, M.ENTRIES, { entries: this.store.entriesFrom(from, limit), head: this.state.seq });
  }

  private async onHistory(m: Message, link: Link): Promise<void> {
    await link.reply(m, M.ENTRIES, { entries: this.store.history(M.readAsset(m.body)).slice(-M.MAX_PAGE), head: this.state.seq });
  }

  private async onVerify(m: Message, link: Link): Promise<void> {
    const all: LedgerEntry[] = [];
    for (let from = 1; ; ) {
      const page = this.store.entriesFrom(from, M.MAX_PAGE);
      if (page.length === 0) break;
      all.push(...page);
      from = page.at(-1)!.seq + 1;
    }
    const result = await verifyLedger(all);
    await link.reply(m, M.VERIFIED, result.ok ? { ok: true, seq: result.state.seq, chain: result.state.chain } : { ok: false, seq: result.seq, error: result.error });
  }
}

export const ledgerApp: RelayApp = {
  name: 'ledger',
  start: (ctx) => LedgerApp.start(ctx),
};
