// The mailbox application: short-lived rendezvous boxes in memory, used to link a second device (docs/apps.md,
// docs/security.md "Linking a device"). A box holds a few write-once slots; `mailbox.take` may wait for a slot.
// Anyone who knows a box id may read, write or close it: a box keeps nothing secret by itself, the link layer
// (core/identity/device-link.ts) encrypts end to end. Nothing is written to disk; a restart forgets every box.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { MAILBOX_MAX_WAITERS } from '../../core/limits.ts';
import * as M from '../../core/protocol/mailbox-messages.ts';
import type { Message } from '../../core/wire/index.ts';
import type { AppContext, AppInstance, RelayApp } from '../apps/app.ts';
import type { Link } from '../ws/link.ts';
import { MailboxStore } from './mailbox-store.ts';

interface Waiter {
  readonly slot: number;
  /**
   * Answers the waiting take (with the slot's message, or the refusal of a box that is gone). `at` is the
   * time to judge the box at: the timer passes its own deadline, because a timer may fire a little before
   * the wall clock reaches it, and a take that waited until the expiry must see the box gone.
   */
  wake(at?: number): void;
}

export class MailboxApp implements AppInstance {
  readonly counters = {
    opened: 0,
    stored: 0,
    taken: 0,
    closed: 0,
    refused: 0,
    refusedFull: 0,
    refusedGone: 0,
    refusedConflict: 0,
    refusedMalformed: 0,
    refusedTooLarge: 0,
  };
  private readonly store = new MailboxStore();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private waiting = 0;
  private readonly off: (() => void)[] = [];

  constructor(private readonly ctx: AppContext) {
    const d = ctx.dispatcher;
    this.off.push(
      d.on(M.OPEN, (m, l) => this.counted(() => this.onOpen(m, l))),
      d.on(M.PUT, (m, l) => this.counted(() => this.onPut(m, l))),
      d.on(M.TAKE, (m, l) => this.counted(() => this.onTake(m, l))),
      d.on(M.CLOSE, (m, l) => this.counted(() => this.onClose(m, l))),
    );
  }

  status(): Record<string, unknown> {
    this.store.sweep(this.now());
    return { boxes: this.store.size, waiting: this.waiting, expired: this.store.expired, ...this.counters };
  }

  close(): void {
    for (const off of this.off.splice(0)) off();
    for (const set of this.waiters.values()) for (const w of set) w.wake();
  }

  private now(): number {
    return this.ctx.components.clock.now();
  }

  /** Runs a handler and counts its refusal by code before it travels back as `peer.error`. */
  private async counted(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      const e = toPeerTreeError(err);
      if (e.code !== 'CLOSED') {
        this.counters.refused++;
        if (e.code === 'FULL' || e.code === 'RATE_LIMITED') this.counters.refusedFull++;
        else if (e.code === 'NOT_FOUND') this.counters.refusedGone++;
        else if (e.code === 'CONFLICT') this.counters.refusedConflict++;
        else if (e.code === 'TOO_LARGE') this.counters.refusedTooLarge++;
        else this.counters.refusedMalformed++;
      }
      throw err;
    }
  }

  private async onOpen(m: Message, link: Link): Promise<void> {
    const { box, ttl } = M.readOpen(m.body);
    const expires = this.store.open(box, ttl, link.peerId, this.now());
    this.counters.opened++;
    await link.reply(m, M.OPENED, { box, expires });
  }

  private async onPut(m: Message, link: Link): Promise<void> {
    const { box, slot, data } = M.readPut(m.body);
    this.store.put(box, slot, data, this.now());
    this.counters.stored++;
    for (const w of this.waiters.get(box) ?? []) if (w.slot === slot) w.wake();
    await link.reply(m, M.STORED, { box, slot });
  }

  private async onTake(m: Message, link: Link): Promise<void> {
    const { box, slot, wait } = M.readTake(m.body);
    let data = this.store.take(box, slot, this.now());
    if (!data && wait > 0) data = await this.waitFor(box, slot, wait);
    if (data) this.counters.taken++;
    await link.reply(m, M.ITEM, M.itemBody(box, slot, data));
  }

  private async onClose(m: Message, link: Link): Promise<void> {
    const { box } = M.readClose(m.body);
    this.store.close(box, this.now());
    this.counters.closed++;
    for (const w of this.waiters.get(box) ?? []) w.wake();
    await link.reply(m, M.CLOSED_BOX, { box });
  }

  /** Waits until the slot is written, the box is gone, or `wait` ms (or the box's expiry) pass. */
  private waitFor(box: string, slot: number, wait: number): Promise<Uint8Array | null> {
    if (this.waiting >= MAILBOX_MAX_WAITERS)
      throw new PeerTreeError('RATE_LIMITED', 'too many devices are waiting on this relay; try again shortly');
    const start = this.now();
    const ms = Math.max(0, Math.min(wait, this.store.expiresAt(box, start) - start));
    const { timers } = this.ctx.components;
    return new Promise<Uint8Array | null>((resolve, reject) => {
      let set = this.waiters.get(box);
      if (!set) this.waiters.set(box, (set = new Set()));
      const waiters = set;
      this.waiting++;
      const waiter: Waiter = {
        slot,
        wake: (at?: number) => {
          if (!waiters.delete(waiter)) return;
          this.waiting--;
          timers.clearTimeout(timer);
          if (waiters.size === 0 && this.waiters.get(box) === waiters) this.waiters.delete(box);
          try {
            resolve(this.store.take(box, slot, Math.max(this.now(), at ?? 0)));
          } catch (err) {
            reject(err);
          }
        },
      };
      waiters.add(waiter);
      const timer = timers.setTimeout(() => waiter.wake(start + ms), ms);
    });
  }
}

export const mailboxApp: RelayApp = {
  name: 'mailbox',
  start: (ctx) => new MailboxApp(ctx),
};
