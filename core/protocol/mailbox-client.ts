// The client side of the mailbox application, for the PWA (device linking) and tests alike: every reply is
// checked against what was asked. Waiting for a slot is a bounded loop of bounded waits.
import { toBase64Url } from '../bytes.ts';
import { PeerTreeError } from '../errors.ts';
import { CLIENT_REQUEST_TIMEOUT_MS, MAILBOX_MAX_WAIT_MS } from '../limits.ts';
import * as M from './mailbox-messages.ts';
import { expectReply, replyBody } from './replies.ts';
import type { Requester } from './requester.ts';

export class MailboxClient {
  constructor(private readonly conn: Requester) {}

  /** Makes box `box` (64 hex) on the relay for `ttlMs`; resolves with its expiry time on the relay's clock. */
  async open(box: string, ttlMs: number): Promise<number> {
    const reply = await this.conn.request(M.OPEN, { box, ttl: ttlMs }, CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(M.OPEN, reply, M.OPENED);
    const b = replyBody(M.OPEN, reply.body);
    if (M.readBox(b, M.OPENED) !== box || typeof b.expires !== 'number')
      throw new PeerTreeError('BAD_INPUT', `${M.OPENED}: the relay opened another box`);
    return b.expires;
  }

  async put(box: string, slot: number, data: Uint8Array): Promise<void> {
    const reply = await this.conn.request(M.PUT, { box, slot, data: toBase64Url(data) }, CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(M.PUT, reply, M.STORED);
    const b = replyBody(M.PUT, reply.body);
    if (M.readBox(b, M.STORED) !== box || b.slot !== slot)
      throw new PeerTreeError('BAD_INPUT', `${M.STORED}: the relay stored another slot`);
  }

  /** The slot's message, waiting up to `waitMs` (at most MAILBOX_MAX_WAIT_MS) for it; null when none came. */
  async take(box: string, slot: number, waitMs = 0): Promise<Uint8Array | null> {
    const wait = Math.max(0, Math.min(MAILBOX_MAX_WAIT_MS, Math.floor(waitMs)));
    const reply = await this.conn.request(M.TAKE, { box, slot, wait }, wait + CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(M.TAKE, reply, M.ITEM);
    const b = replyBody(M.TAKE, reply.body);
    if (M.readBox(b, M.ITEM) !== box || b.slot !== slot)
      throw new PeerTreeError('BAD_INPUT', `${M.ITEM}: the relay answered for another slot`);
    return b.data === null ? null : M.readData(b.data, M.ITEM);
  }

  /**
   * Waits until the slot holds a message or `deadline` (ms, on `now`'s clock) passes (TIMEOUT). At most
   * `deadline - now()` / MAILBOX_MAX_WAIT_MS + 2 requests; `cancelled` stops it between them (CLOSED).
   */
  async waitFor(
    box: string,
    slot: number,
    deadline: number,
    now: () => number,
    cancelled: () => boolean = () => false,
  ): Promise<Uint8Array> {
    const rounds = Math.ceil(Math.max(0, deadline - now()) / MAILBOX_MAX_WAIT_MS) + 2;
    for (let i = 0; i < rounds; i++) {
      if (cancelled()) throw new PeerTreeError('CLOSED', 'the link was cancelled');
      const left = deadline - now();
      if (left <= 0) break;
      const data = await this.take(box, slot, left);
      if (data) return data;
    }
    throw new PeerTreeError('TIMEOUT', 'the other device did not answer in time');
  }

  async close(box: string): Promise<void> {
    const reply = await this.conn.request(M.CLOSE, { box }, CLIENT_REQUEST_TIMEOUT_MS);
    expectReply(M.CLOSE, reply, M.CLOSED_BOX);
  }
}
