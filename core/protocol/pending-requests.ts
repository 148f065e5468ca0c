// The requests of one connection that wait for their replies: each settles once, by its reply, its refusal,
// its time-out or the connection closing. Both shells keep their waiting requests in one of these.
import { PeerTreeError } from '../errors.ts';
import type { Message } from '../wire/index.ts';
import { ERROR_TYPE, refusalFrom, replyTo } from './replies.ts';

/** The timers a table uses (injected: the relay's unref'd timers, the browser's, a test's fake clock). */
export interface RequestTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What `settle` did with an incoming message. */
export type Settled =
  /** it answered a waiting request (which is now resolved or rejected) */
  | 'answered'
  /** a refusal of no waiting request (late, or never asked): drop it, never answer it */
  | 'stray-refusal'
  /** not an answer to a waiting request: the connection's own handler takes it */
  | 'message';

interface Waiting {
  readonly type: string;
  resolve(message: Message): void;
  reject(err: Error): void;
  timer: unknown;
}

export class PendingRequests {
  private readonly waiting = new Map<string, Waiting>();

  /** `max`: requests that may wait at once; one more is refused with FULL. */
  constructor(
    private readonly timers: RequestTimers,
    private readonly max: number,
  ) {
    if (!Number.isSafeInteger(max) || max < 1) throw new PeerTreeError('BAD_INPUT', 'max must be a positive integer');
  }

  get size(): number {
    return this.waiting.size;
  }

  /** True while request `id` waits (registered by `wait`, not yet settled). */
  has(id: string): boolean {
    return this.waiting.has(id);
  }

  /** The type of waiting request `id`, or null when none waits with that id. */
  typeOf(id: string): string | null {
    return this.waiting.get(id)?.type ?? null;
  }

  /**
   * Registers request `id` (of `type`, for the time-out message) before it is sent; resolves with its reply,
   * rejects with the peer's refusal, TIMEOUT after `timeoutMs`, or FULL at once when `max` already wait.
   */
  wait(id: string, type: string, timeoutMs: number): Promise<Message> {
    if (this.waiting.size >= this.max) return Promise.reject(new PeerTreeError('FULL', 'too many requests waiting'));
    if (this.waiting.has(id))
      return Promise.reject(new PeerTreeError('BAD_INPUT', 'a request with this id is already waiting'));
    return new Promise<Message>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.waiting.delete(id);
        reject(new PeerTreeError('TIMEOUT', `no reply to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { type, resolve, reject, timer });
    });
  }

  /** Rejects request `id` with `err` (its frame could not be sent); no-op when it already settled. */
  fail(id: string, err: unknown): void {
    const w = this.take(id);
    w?.reject(err instanceof Error ? err : new Error(String(err)));
  }

  /** Settles the request `message` answers, if one waits; says what it did (see Settled). */
  settle(message: Message): Settled {
    const re = replyTo(message.body);
    if (re === null) return 'message';
    const w = this.take(re);
    if (w) {
      if (message.type === ERROR_TYPE) w.reject(refusalFrom(message.body));
      else w.resolve(message);
      return 'answered';
    }
    return message.type === ERROR_TYPE ? 'stray-refusal' : 'message';
  }

  /** Rejects every waiting request with `err` (the connection closed). */
  rejectAll(err: PeerTreeError): void {
    for (const id of [...this.waiting.keys()]) this.take(id)?.reject(err);
  }

  private take(id: string): Waiting | undefined {
    const w = this.waiting.get(id);
    if (!w) return undefined;
    this.waiting.delete(id);
    this.timers.clearTimeout(w.timer);
    return w;
  }
}
