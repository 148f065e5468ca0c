// The mailboxes of one relay, in memory only: bounded in count (in total and per key), in slots and in message
// size, and gone at expiry. Pure bookkeeping: the caller passes `now`, the app shell owns timers and waiters.
import { PeerTreeError } from '../../core/errors.ts';
import { MAILBOX_MAX_BOXES, MAILBOX_MAX_PER_KEY, MAILBOX_SLOTS } from '../../core/limits.ts';

interface Box {
  readonly opener: string;
  readonly expires: number;
  readonly slots: (Uint8Array | null)[];
}

export interface MailboxLimits {
  readonly maxBoxes: number;
  readonly maxPerKey: number;
}

export class MailboxStore {
  private readonly boxes = new Map<string, Box>();
  private readonly perKey = new Map<string, number>();
  /** Boxes that reached their expiry (counted once, when dropped). */
  expired = 0;

  constructor(
    private readonly limits: MailboxLimits = { maxBoxes: MAILBOX_MAX_BOXES, maxPerKey: MAILBOX_MAX_PER_KEY },
  ) {}

  get size(): number {
    return this.boxes.size;
  }

  /** Drops every box past its expiry. */
  sweep(now: number): void {
    for (const [id, box] of this.boxes) if (box.expires <= now) this.drop(id, true);
  }

  /** Makes `id` for `opener` until `now + ttl`; FULL at a count limit, CONFLICT when it exists. */
  open(id: string, ttl: number, opener: string, now: number): number {
    this.sweep(now);
    if (this.boxes.has(id)) throw new PeerTreeError('CONFLICT', 'this mailbox exists already; make a new box id');
    if (this.boxes.size >= this.limits.maxBoxes)
      throw new PeerTreeError('FULL', 'this relay holds as many mailboxes as it can; try again in a few minutes');
    if ((this.perKey.get(opener) ?? 0) >= this.limits.maxPerKey)
      throw new PeerTreeError(
        'FULL',
        `one key may keep ${this.limits.maxPerKey} mailboxes open; close one or wait for it to expire`,
      );
    const expires = now + ttl;
    this.boxes.set(id, { opener, expires, slots: new Array<Uint8Array | null>(MAILBOX_SLOTS).fill(null) });
    this.perKey.set(opener, (this.perKey.get(opener) ?? 0) + 1);
    return expires;
  }

  /** The box's expiry; NOT_FOUND when it is gone (closed, expired, never made). */
  expiresAt(id: string, now: number): number {
    return this.live(id, now).expires;
  }

  /** Writes a slot once; CONFLICT when it holds a message already. */
  put(id: string, slot: number, data: Uint8Array, now: number): void {
    const box = this.live(id, now);
    if (box.slots[slot]) throw new PeerTreeError('CONFLICT', 'this mailbox slot was written already');
    box.slots[slot] = data.slice();
  }

  /** The slot's message, or null when nothing was written there yet. */
  take(id: string, slot: number, now: number): Uint8Array | null {
    return this.live(id, now).slots[slot] ?? null;
  }

  /** Deletes the box; NOT_FOUND when it is gone already. */
  close(id: string, now: number): void {
    this.live(id, now);
    this.drop(id, false);
  }

  private live(id: string, now: number): Box {
    const box = this.boxes.get(id);
    if (box && box.expires <= now) this.drop(id, true);
    else if (box) return box;
    throw new PeerTreeError(
      'NOT_FOUND',
      'this mailbox is gone: it was used, cancelled or expired; start linking again',
    );
  }

  private drop(id: string, expired: boolean): void {
    const box = this.boxes.get(id);
    if (!box) return;
    this.boxes.delete(id);
    for (const s of box.slots) s?.fill(0);
    const n = (this.perKey.get(box.opener) ?? 1) - 1;
    if (n <= 0) this.perKey.delete(box.opener);
    else this.perKey.set(box.opener, n);
    if (expired) this.expired++;
  }
}
