// Routes verified, authenticated messages to the handlers applications register with on(type, handler).
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Logger } from '../log-contract.ts';
import { systemClock, type Clock } from '../components.ts';
import type { DropCounters } from './drop-counters.ts';
import type { Link } from './link.ts';
import { diskFullError, isDiskFull } from '../data/disk-full.ts';
import { ERROR_TABLE } from '../../core/errors.ts';
import {
  DISK_FULL_LOG_GAP_MS,
  MAX_RATE_LIMITED_STRIKES,
  RATE_LIMITED_ANSWER_GAP_MS,
  RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND,
} from '../../core/limits.ts';
import { Strikes } from '../../core/rate-limit.ts';

/** Handles one message that arrived on `link`; may answer with `link.reply(message, …)`. */
export type MessageHandler = (message: Message, link: Link) => void | Promise<void>;

/** Per-key message rate limit (node-relay/ws/rate-limiter.ts). */
export interface KeyRateLimit {
  admitKey(keyHex: string): boolean;
}

/** Upper bounds (seconds) of the handler latency histogram shown in /metrics. */
export const LATENCY_BUCKETS_S = [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10] as const;

/** Per message type: messages handled, failures, and a latency histogram (cumulative counts per bucket). */
export interface TypeStats {
  count: number;
  errors: number;
  sumSeconds: number;
  buckets: number[];
}

/**
 * The reason a refusal is counted under (`peertree_refusals_total{reason}`): the error code in lower case, and
 * `disk_full` for a FULL that the disk raised (ENOSPC, or SQLITE_FULL from the database) rather than a configured
 * capacity or quota.
 */
export function refusalReason(error: PeerTreeError): string {
  if (error.code === 'FULL' && isDiskFull(error.cause)) return 'disk_full';
  return error.code.toLowerCase();
}

export class Dispatcher {
  private readonly handlers = new Map<string, MessageHandler>();
  /** Handled messages by type (registered types only, so the map stays bounded). */
  readonly stats = new Map<string, TypeStats>();
  /** Requests refused with a normal answer (FULL, UNAVAILABLE, FORBIDDEN, …) by refusalReason: not handler errors. */
  readonly refusals: Record<string, number> = {};
  private diskFullLoggedAt = -Infinity;
  private readonly limited = new WeakMap<Link, { strikes: Strikes; answeredAt: number; closed: boolean }>();

  constructor(
    private readonly logger: Logger,
    private readonly counters: DropCounters,
    private readonly limiter?: KeyRateLimit,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Registers the handler of a message type (one per type); returns a function that removes it. */
  on(type: string, handler: MessageHandler): () => void {
    if (this.handlers.has(type)) throw new PeerTreeError('CONFLICT', `a handler for ${type} is already registered`);
    this.handlers.set(type, handler);
    return () => {
      if (this.handlers.get(type) === handler) this.handlers.delete(type);
    };
  }

  has(type: string): boolean {
    return this.handlers.has(type);
  }

  get types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /**
   * Runs the handler for `message`. Unknown types are counted and, when the message is a request (not itself
   * a reply), answered with a peer.error NOT_FOUND. A throwing handler is logged, counted and answered with
   * peer.error carrying the error's code; it never reaches the socket layer.
   */
  async dispatch(message: Message, link: Link): Promise<void> {
    if (this.limiter !== undefined && !this.rateOk(message, link)) return;
    const handler = this.handlers.get(message.type);
    if (!handler) {
      this.counters['unhandled-type']++;
      this.logger.debug('no handler for message type', { type: message.type, from: message.fromId });
      await link.replyError(message, new PeerTreeError('NOT_FOUND', `no handler for ${message.type}`)).catch(() => {});
      return;
    }
    let stats = this.stats.get(message.type);
    if (stats === undefined) {
      stats = { count: 0, errors: 0, sumSeconds: 0, buckets: LATENCY_BUCKETS_S.map(() => 0) };
      this.stats.set(message.type, stats);
    }
    const started = this.clock.monotonic();
    let outcome = 'ok';
    try {
      await handler(message, link);
    } catch (err) {
      // A database write that met a full disk is the same refusal as a shard write that did.
      const error = diskFullError(err) ?? toPeerTreeError(err);
      if (error.code === 'INTERNAL') {
        // A bug or an unexpected fault: the only kind counted as a handler error.
        stats.errors++;
        this.counters['handler-error']++;
        outcome = 'internal';
        this.logger.error('message handler failed', {
          event: 'handler.failed',
          type: message.type,
          from: message.fromId,
          error: error.message,
        });
      } else {
        outcome = refusalReason(error);
        this.refusals[outcome] = (this.refusals[outcome] ?? 0) + 1;
        if (outcome === 'disk_full') this.logDiskFull(message.type);
      }
      await link.replyError(message, error).catch(() => {});
    } finally {
      const seconds = (this.clock.monotonic() - started) / 1000;
      this.logger.debug('request', {
        event: 'request',
        type: message.type,
        from: message.fromId,
        outcome,
        ms: Math.round(seconds * 1000),
      });
      stats.count++;
      stats.sumSeconds += seconds;
      LATENCY_BUCKETS_S.forEach((b, i) => {
        if (seconds <= b) stats.buckets[i]!++;
      });
    }
  }

  private logDiskFull(type: string): void {
    const now = this.clock.monotonic();
    if (now - this.diskFullLoggedAt < DISK_FULL_LOG_GAP_MS) return;
    this.diskFullLoggedAt = now;
    this.logger.warn('the disk of the data folder is full: writes are refused until space is freed', {
      event: 'disk.full',
      type,
      refused: this.refusals.disk_full,
    });
  }

  /** Takes a token of the sender's key; over the rate, counts the drop, answers RATE_LIMITED now and then,
   * and closes the link with 4429 when the peer keeps going. */
  private rateOk(message: Message, link: Link): boolean {
    if (this.limiter!.admitKey(link.peerKeyHex)) return true;
    let state = this.limited.get(link);
    if (state === undefined) {
      state = {
        strikes: new Strikes(MAX_RATE_LIMITED_STRIKES, RATE_LIMITED_STRIKES_FORGIVEN_PER_SECOND, () =>
          this.clock.monotonic(),
        ),
        answeredAt: -Infinity,
        closed: false,
      };
      this.limited.set(link, state);
    }
    this.counters['rate-limited']++;
    if (state.strikes.add() && !state.closed) {
      state.closed = true;
      this.counters['rate-limit-close']++;
      link.close(ERROR_TABLE.RATE_LIMITED.close, 'too many messages from this key');
      return false;
    }
    const now = this.clock.monotonic();
    if (now - state.answeredAt >= RATE_LIMITED_ANSWER_GAP_MS) {
      state.answeredAt = now;
      void link
        .replyError(message, new PeerTreeError('RATE_LIMITED', 'too many messages from this key; slow down'))
        .catch(() => {});
    }
    return false;
  }
}
