// The `relay.leave` admin frame: the operator (who holds the data folder's seed) asks the running relay to
// leave its tree for good. Accepted only when signed by the relay's own key; anything else is FORBIDDEN.
import { PeerTreeError } from '../../core/errors.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import { HANG_UP_WAIT_MS } from '../../core/limits.ts';

/** Request: leave the tree gracefully, then shut down. Body: {}. */
export const RELAY_LEAVE = 'relay.leave';
/** Answer, sent once the leave is over and before the shutdown: { left } (true when the tree confirmed it). */
export const RELAY_LEFT = 'relay.left';

/** Admin frames come from the relay's own key only: the signature proves the sender holds its seed. */
export function assertFromSelf(message: Message, selfId: string): void {
  if (message.fromId !== selfId)
    throw new PeerTreeError('FORBIDDEN', `${message.type} is accepted only from this relay's own key`);
}

export interface SelfLeaveDeps {
  readonly selfId: string;
  /** The relay's graceful leave (announced, bounded); true when the tree removed it. */
  leave(): Promise<boolean>;
  /** Told once the answer is out: the owner shuts the relay down. */
  onLeft(left: boolean): void;
  /** The relay's timers (components.timers), for the bounded wait for the hang-up. */
  sleep(ms: number): Promise<void>;
}

/** Registers the handler of RELAY_LEAVE; returns the function that removes it. */
export function registerSelfLeave(dispatcher: Dispatcher, deps: SelfLeaveDeps): () => void {
  let leaving = false;
  return dispatcher.on(RELAY_LEAVE, async (message, link) => {
    assertFromSelf(message, deps.selfId);
    if (leaving) throw new PeerTreeError('CONFLICT', 'this relay is already leaving');
    leaving = true;
    // A failed leave still ends in the shutdown: the operator asked for the relay to be gone.
    const left = await deps.leave().catch(() => false);
    // The operator waits for this answer, and hangs up once it has read it: shutting down before that would close
    // the socket while the answer may still be in the operator's verification queue. Bounded: the relay stops anyway.
    const hungUp = new Promise<void>((r) => link.onClose(() => r()));
    const sent = await link.reply(message, RELAY_LEFT, { left }).then(
      () => true,
      () => false,
    );
    if (sent) await Promise.race([hungUp, deps.sleep(HANG_UP_WAIT_MS)]);
    deps.onLeft(left);
  });
}
