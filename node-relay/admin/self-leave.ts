// The `relay.leave` admin frame: the operator (who holds the data folder's seed) asks the running relay to
// leave its tree for good. Accepted only when signed by the relay's own key; anything else is FORBIDDEN.
import { PeerTreeError } from '../../core/errors.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';

/** Request: leave the tree gracefully, then shut down. Body: {}. */
export const RELAY_LEAVE = 'relay.leave';
/** Answer, sent once the leave is over and before the shutdown: { left } (true when the tree confirmed it). */
export const RELAY_LEFT = 'relay.left';

/** Admin frames come from the relay's own key only: the signature proves the sender holds its seed. */
export function assertFromSelf(message: Message, selfId: string): void {
  if (message.fromId !== selfId) throw new PeerTreeError('FORBIDDEN', `${message.type} is accepted only from this relay's own key`);
}

export interface SelfLeaveDeps {
  readonly selfId: string;
  /** The relay's graceful leave (announced, bounded); true when the tree removed it. */
  leave(): Promise<boolean>;
  /** Told once the answer is out: the owner shuts the relay down. */
  onLeft(left: boolean): void;
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
    // The operator waits for this answer; the relay stops whether or not it gets through.
    await link.reply(message, RELAY_LEFT, { left }).catch(() => {});
    deps.onLeft(left);
  });
}
