// The library application: relays keep each person's signed library head (core/library/record.ts), the
// newest valid one per owner key. A head is kept on the relay the client talks to and on the `replicas`
// members that rank first for the owner key in rendezvous order, so any relay can find it by asking them.
// The record itself is an ordinary encrypted shard (storage application); relays never see its content.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { judgeHead, newestHead, readHead, verifyHead, type LibraryHead } from '../../core/library/record.ts';
import * as M from '../../core/protocol/library-messages.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import type { Message } from '../../core/wire/index.ts';
import type { AppContext, AppInstance, RelayApp } from '../apps/app.ts';
import type { Link } from '../ws/link.ts';
import { HeadStore } from './head-store.ts';
import { LIBRARY_REQUEST_TIMEOUT_MS } from '../../core/limits.ts';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PeerTreeError('TIMEOUT', `${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class LibraryApp implements AppInstance {
  readonly counters = {
    published: 0,
    replicated: 0,
    lookups: 0,
    refused: 0,
    refusedStale: 0,
    refusedSignature: 0,
    refusedMalformed: 0,
    droppedAnswers: 0,
  };
  private readonly store: HeadStore;
  private readonly off: (() => void)[] = [];

  constructor(private readonly ctx: AppContext) {
    this.store = new HeadStore(ctx.db);
    const d = ctx.dispatcher;
    this.off.push(
      d.on(M.PUBLISH, (m, l) => this.onPublish(m, l)),
      d.on(M.REPLICATE, (m, l) => this.onReplicate(m, l)),
      d.on(M.GET, (m, l) => this.onGet(m, l)),
      d.on(M.LOOKUP, (m, l) => this.onLookup(m, l)),
    );
  }

  status(): Record<string, unknown> {
    return { heads: this.store.size(), ...this.counters };
  }

  close(): void {
    for (const off of this.off.splice(0)) off();
  }

  /** The members that keep `owner`'s head, in rendezvous order (this relay may be one of them). */
  private rendezvous(owner: string): string[] {
    return rendezvousHolders(owner, this.ctx.tree.members(), Math.max(1, this.ctx.replicas)).map((m) => m.id);
  }

  /** The rendezvous members other than this relay. */
  private holders(owner: string): string[] {
    return this.rendezvous(owner).filter((id) => id !== this.ctx.self.id);
  }

  private isMember(id: string): boolean {
    return id !== this.ctx.self.id && this.ctx.tree.members().some((m) => m.id === id);
  }

  /** Applies the acceptance rule against the head held here; throws the refusal (counted). */
  private async check(value: unknown): Promise<{ head: LibraryHead; changed: boolean }> {
    let head: LibraryHead;
    try {
      head = readHead(value);
    } catch (err) {
      this.counters.refused++;
      this.counters.refusedMalformed++;
      throw err;
    }
    const verdict = await judgeHead(this.store.get(head.owner), head);
    if (!verdict.accept) return this.refuse(verdict.code, verdict.reason);
    return { head, changed: verdict.changed };
  }

  /** Checks and keeps the head; throws the refusal (counted). */
  private async keep(value: unknown): Promise<LibraryHead> {
    const { head, changed } = await this.check(value);
    if (changed && !this.store.put(head)) {
      // Another writer got there first while the signature was being checked: judge again against it.
      const now = this.store.get(head.owner);
      if (!now || now.seq !== head.seq || now.record !== head.record)
        return this.refuse('CONFLICT', `library: version ${head.seq} is not newer than version ${now?.seq ?? 0}`);
    }
    return head;
  }

  private refuse(code: 'BAD_INPUT' | 'BAD_SIGNATURE' | 'CONFLICT', reason: string): never {
    this.counters.refused++;
    if (code === 'CONFLICT') this.counters.refusedStale++;
    else if (code === 'BAD_SIGNATURE') this.counters.refusedSignature++;
    else this.counters.refusedMalformed++;
    throw new PeerTreeError(code, reason);
  }

  private async onPublish(m: Message, link: Link): Promise<void> {
    const body = M.readHeadBody(m.body, M.PUBLISH);
    const { head } = await this.check(body);
    const keeper = this.rendezvous(head.owner).includes(this.ctx.self.id) || this.ctx.tree.members().length === 0;
    // A rendezvous relay takes it now (its word decides a race); any other keeps it only once they did.
    if (keeper) await this.keep(body);
    // The owner's rendezvous relays must take it too; one that holds a newer version refuses (CONFLICT),
    // and then so does this publish: the client reads the newest, merges and publishes again.
    const results = await Promise.allSettled(
      this.holders(head.owner).map(async (id) =>
        withTimeout(
          this.ctx.tree.linkTo(id).then((l) => l.request(M.REPLICATE, { head }, LIBRARY_REQUEST_TIMEOUT_MS)),
          LIBRARY_REQUEST_TIMEOUT_MS,
          M.REPLICATE,
        ),
      ),
    );
    const conflict = results.find((r) => r.status === 'rejected' && toPeerTreeError(r.reason).code === 'CONFLICT');
    if (conflict) {
      this.counters.refusedStale++;
      throw new PeerTreeError('CONFLICT', toPeerTreeError((conflict as PromiseRejectedResult).reason).message);
    }
    if (!keeper) await this.keep(body);
    this.counters.published++;
    const holders = 1 + results.filter((r) => r.status === 'fulfilled').length;
    await link.reply(m, M.PUBLISHED, { seq: head.seq, holders });
  }

  private async onReplicate(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${M.REPLICATE} is for relays of this tree`);
    const head = await this.keep(M.readHeadBody(m.body, M.REPLICATE));
    this.counters.replicated++;
    await link.reply(m, M.KEPT, { seq: head.seq });
  }

  /** The newest valid head of `owner` among this relay's and its rendezvous relays' (read-repaired here). */
  async find(owner: string): Promise<LibraryHead | null> {
    const local = this.store.get(owner);
    const order = this.rendezvous(owner);
    const answers = await Promise.allSettled(
      order.map(async (id) => {
        if (id === this.ctx.self.id) return local;
        const reply = await withTimeout(
          this.ctx.tree.linkTo(id).then((l) => l.request(M.LOOKUP, { owner }, LIBRARY_REQUEST_TIMEOUT_MS)),
          LIBRARY_REQUEST_TIMEOUT_MS,
          M.LOOKUP,
        );
        const h = M.readHeadReply(reply.type, reply.body, owner);
        if (h && !(await verifyHead(h))) throw new PeerTreeError('BAD_SIGNATURE', 'forged head');
        return h;
      }),
    );
    this.counters.droppedAnswers += answers.filter(
      (a) => a.status === 'rejected' && toPeerTreeError(a.reason).code === 'BAD_SIGNATURE',
    ).length;
    // Same seq, different records (a race between two devices): the rendezvous relays' word wins, in
    // rendezvous order, so every relay picks the same head; this relay's own copy counts last otherwise.
    const best = newestHead([...answers.map((a) => (a.status === 'fulfilled' ? a.value : null)), local]);
    if (best && (!local || best.seq > local.seq)) this.store.put(best);
    return best;
  }

  private async onGet(m: Message, link: Link): Promise<void> {
    this.counters.lookups++;
    await link.reply(m, M.HEAD, { head: await this.find(M.readOwner(m.body, M.GET)) });
  }

  private async onLookup(m: Message, link: Link): Promise<void> {
    await link.reply(m, M.HEAD, { head: this.store.get(M.readOwner(m.body, M.LOOKUP)) });
  }
}

export const libraryApp: RelayApp = {
  name: 'library',
  start: (ctx) => new LibraryApp(ctx),
};
