// Answers a frame a socket's verifier refused, when its sender can act on the refusal (core/protocol/
// frame-refusals.ts): a signed peer.error to the frame's id, with the refusal's code and words that say what to
// do (for a stale frame, by how much the sender's clock is off the relay's). Never more work than the drop itself
// beyond MAX_REFUSAL_REPLIES_PER_SOCKET signatures at once per socket: past that, a full replay memory closes
// the socket with its code (no signature), anything else is only counted. The answer goes back on the same
// socket only and changes nothing for the key the frame names (its signature was not checked).
import type { WebSocket } from 'ws';
import { MAX_REFUSAL_REPLIES_PER_SOCKET, REFUSAL_REPLIES_FORGIVEN_PER_SECOND } from '../../core/limits.ts';
import { ERROR_TYPE } from '../../core/protocol/replies.ts';
import { CLOSE_PAST_BOUND, DROP_ANSWERS, refusalWords } from '../../core/protocol/frame-refusals.ts';
import { TokenBuckets } from '../../core/rate-limit.ts';
import type { Identity } from '../../core/identity/index.ts';
import { DROP_REASON_CODES, type DropReason } from '../../core/wire/verifier.ts';
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
  /** False until the peer proved its key: before that, nothing is signed for a refused frame (a close, or nothing). */
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
  const close = (reason: DropReason) => {
    if (closed) return;
    closed = true;
    counters['refusal-close']++;
    void signing.then(() => closeWith(ws, DROP_REASON_CODES[reason], refusalWords(reason)));
  };
  return (result) => {
    const { reason, frame } = result;
    if (DROP_ANSWERS[reason] === 'none' || closed || frame === undefined || frame.re !== null) return;
    if (!init.authenticated() || !replies.take('socket')) {
      if (CLOSE_PAST_BOUND.has(reason)) close(reason);
      return;
    }
    counters['refusal-reply']++;
    const message = refusalWords(reason, frame.ts, components.clock.now());
    const sent = sendSigned(ws, init.identity, components, {
      type: ERROR_TYPE,
      tree: init.treeId(),
      body: { re: frame.id, code: DROP_REASON_CODES[reason], message },
    }).catch(() => {
      // the socket closed meanwhile: nothing to answer
    });
    signing = Promise.all([signing, sent]).then(() => {});
  };
}
