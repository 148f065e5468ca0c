// Routes verified, authenticated messages to the handlers applications register with on(type, handler).
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Logger } from '../logger.ts';
import type { DropCounters } from './drop-counters.ts';
import type { Link } from './link.ts';

/** Handles one message that arrived on `link`; may answer with `link.reply(message, …)`. */
export type MessageHandler = (message: Message, link: Link) => void | Promise<void>;

export class Dispatcher {
  private readonly handlers = new Map<string, MessageHandler>();

  constructor(
    private readonly logger: Logger,
    private readonly counters: DropCounters,
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
    const handler = this.handlers.get(message.type);
    if (!handler) {
      this.counters['unhandled-type']++;
      this.logger.debug('no handler for message type', { type: message.type, from: message.fromId });
      await link.replyError(message, new PeerTreeError('NOT_FOUND', `no handler for ${message.type}`)).catch(() => {});
      return;
    }
    try {
      await handler(message, link);
    } catch (err) {
      const error = toPeerTreeError(err);
      this.counters['handler-error']++;
      if (error.code === 'INTERNAL') this.logger.error('message handler failed', { type: message.type, from: message.fromId, error: error.message });
      await link.replyError(message, error).catch(() => {});
    }
  }
}
