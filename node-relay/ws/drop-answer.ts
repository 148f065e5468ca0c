// Answers a frame a socket's verifier refused, when its sender can act on the refusal (core/protocol/
// frame-refusals.ts): a close with the reason's code for a clock or tree that will refuse every later frame
// too, a signed peer.error to the frame's id for a replay memory that is full for now. Never more work than
// the drop itself beyond a bounded number of signatures per socket: past MAX_REFUSAL_REPLIES_PER_SOCKET the
// socket is closed instead. The answer goes back on the same socket only and changes nothing for the key the
// frame names (its signature was not checked).
import type { WebSocket } from 'ws';
import { MAX_REFUSAL_REPLIES_PER_SOCKET, REFUSAL_REPLIES_FORGIVEN_PER_SECOND } from '../../core/limits.ts';
import { ERROR_TYPE } from '../../core/protocol/replies.ts';
import { DROP_ANSWERS, refusalWords, staleCloseReason } from '../../core/protocol/frame-refusals.ts';
import { TokenBuckets } from '../../core/rate-limit.ts';
import type { Identity } from '../../core/identity/index.ts';
import { DROP_REASON_CODES } from '../../core/wire/verifier.ts';
import type { Components } from '../components.ts';
import type { DropCounters } from './drop-counters.ts';
import type { DropHandler } from './ingress.ts';
import { closeWith, sendSigned } from './signed-send.ts';

export interface DropAnswerInit {
  readonly ws: WebSocket;
  readonly identity: Identity;
  readonly components: Components;
  readonly counters: DropCounters;
  /** Tree id stamped on a signed answer. */
  readonly treeId: () => string;
  /** False until the peer proved its key: before that, a refusal is a close (nothing is signed for a stranger). */
  readonly authenticated: () => boolean;
}

/** The DropHandler of one socket (attachIngress's onDrop). */
export function dropAnswerer(init: DropAnswerInit): DropHandler {
  const { ws, components, counters } = init;
  // One bucket for this socket: MAX_REFUSAL_REPLIES_PER_SOCKET answers at once, refilled at the forgiven rate.
  const replies = new TokenBuckets(REFUSAL_REPLIES_FORGIVEN_PER_SECOND, MAX_REFUSAL_REPLIES_PER_SOCKET, 1, () =>
    components.clock.monotonic(),
  );
  let closed = false;
  // Answers still being signed: a close waits for them, so the refusals already paid for reach the sender.
  let signing: Promise<void> = Promise.resolve();
  const close = (reason: Parameters<DropHandler>[0]['reason'], words: string) => {
    if (closed) return;
    closed = true;
    counters['refusal-close']++;
    void signing.then(() => closeWith(ws, DROP_REASON_CODES[reason], words));
  };
  return (result) => {
    const answer = DROP_ANSWERS[result.reason];
    if (answer === 'none' || closed || result.frame === undefined) return;
    if (result.reason === 'stale') return close('stale', staleCloseReason(components.clock.now()));
    if (answer === 'close') return close(result.reason, refusalWords(result.reason));
    if (result.frame.reply) return; // nobody waits for an answer to a reply
    if (!init.authenticated() || !replies.take('socket')) return close(result.reason, refusalWords(result.reason));
    counters['refusal-reply']++;
    const code = DROP_REASON_CODES[result.reason];
    const sent = sendSigned(ws, init.identity, components, {
      type: ERROR_TYPE,
      tree: init.treeId(),
      body: { re: result.frame.id, code, message: refusalWords(result.reason) },
    }).catch(() => {
      // the socket closed meanwhile: nothing to answer
    });
    signing = Promise.all([signing, sent]).then(() => {});
  };
}
