// What both device-link screens share (link-panel.ts on the device that has the identity, link-view.ts on the
// new one): random bytes, waiting on a mailbox slot across reconnects, and plain words for every failure.
import { equalBytes } from '../../../core/bytes.ts';
import { toPeerTreeError, type PeerTreeError } from '../../../core/errors.ts';
import { CLIENT_CONNECT_TIMEOUT_MS, LINK_RETRY_MS, LINK_TTL_MS } from '../../../core/limits.ts';
import { MailboxClient } from '../../../core/protocol/mailbox-client.ts';
import { h } from '../ui/dom.ts';
import type { Session } from './session.ts';

/** `n` random bytes from the browser's generator. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Minutes the person has to finish linking (shown in the words below). */
export const LINK_MINUTES = Math.round(LINK_TTL_MS / 60_000);

/** The mailbox client over the page's socket, once it is connected (UNAVAILABLE when it cannot be). */
export async function mailboxOf(session: Session): Promise<MailboxClient> {
  const c = await session.connected(CLIENT_CONNECT_TIMEOUT_MS);
  return new MailboxClient(c.socket);
}

/** True for failures of the connection (not answers of the relay) that a reconnect can cure. */
function passing(e: PeerTreeError): boolean {
  return !e.refused && (e.code === 'CLOSED' || e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT');
}

/**
 * Runs `step` with the mailbox until it resolves or `deadline` (Date.now clock) passes. A dropped connection is
 * waited out and the step runs again (the box lives on the relay meanwhile); the relay's own refusals (the box
 * is gone, the slot was written) end it, as does `cancelled()`. `step` learns whether it is a repeat.
 */
export async function withMailbox<T>(
  session: Session,
  deadline: number,
  cancelled: () => boolean,
  step: (mailbox: MailboxClient, repeat: boolean) => Promise<T>,
): Promise<T> {
  for (let repeat = false; ; repeat = true) {
    try {
      return await step(await mailboxOf(session), repeat);
    } catch (err) {
      const e = toPeerTreeError(err);
      if (cancelled() || !passing(e) || Date.now() >= deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, LINK_RETRY_MS));
  }
}

/** Waits for slot `slot` of `box` until `deadline`, across reconnects (withMailbox); CLOSED once cancelled. */
export function waitForSlot(
  session: Session,
  box: string,
  slot: number,
  deadline: number,
  cancelled: () => boolean,
): Promise<Uint8Array> {
  return withMailbox(session, deadline, cancelled, (mailbox) =>
    mailbox.waitFor(box, slot, deadline, Date.now, cancelled),
  );
}

/**
 * Writes slot `slot` once, across reconnects. A CONFLICT on a repeat may be this device's own first write (its
 * answer was lost): it counts as written when the slot holds exactly `data`.
 */
export function putSlot(
  session: Session,
  box: string,
  slot: number,
  data: Uint8Array,
  deadline: number,
  cancelled: () => boolean,
): Promise<void> {
  return withMailbox(session, deadline, cancelled, async (mailbox, repeat) => {
    try {
      await mailbox.put(box, slot, data);
    } catch (err) {
      if (!(repeat && toPeerTreeError(err).code === 'CONFLICT')) throw err;
      const held = await mailbox.take(box, slot);
      if (!held || !equalBytes(held, data)) throw err;
    }
  });
}

/** What the person reads about a failure: what happened and what to do, and the technical words apart. */
export interface LinkProblem {
  readonly words: string;
  readonly details: string;
}

/**
 * Plain words for a failure while linking. `side` is 'offer' on the device that has the identity, 'join' on
 * the new one (what to do differs: the new device cannot start again by itself).
 */
export function linkProblem(err: unknown, side: 'offer' | 'join'): LinkProblem {
  const e = toPeerTreeError(err);
  const again =
    side === 'offer'
      ? 'Press “Link another device” to start again.'
      : 'On your other device, open Device → “Link another device”, then open the new link here.';
  const details = `${e.code}: ${e.message}`;
  if (!e.refused && (e.code === 'CLOSED' || e.code === 'UNAVAILABLE')) {
    return {
      words: `This browser cannot reach the relay right now, so linking stopped. Check the internet connection. ${again}`,
      details,
    };
  }
  switch (e.code) {
    case 'NOT_FOUND':
      return side === 'offer'
        ? { words: `The link expired or was cancelled before it was finished. Nothing was sent. ${again}`, details }
        : {
            words: `This link is not valid any more: it was used, cancelled on the other device, or more than ${LINK_MINUTES} minutes passed. This browser was not changed. ${again}`,
            details,
          };
    case 'CONFLICT':
      return {
        words: `Another device answered this link first. If that was not you, press “They differ” on your other device. This browser was not changed. ${again}`,
        details,
      };
    case 'TIMEOUT':
      return {
        words: `The other device did not answer within ${LINK_MINUTES} minutes. Nothing was sent. ${again}`,
        details,
      };
    case 'HASH_MISMATCH':
    case 'BAD_INPUT':
      return side === 'offer'
        ? {
            words: `The device that opened the link answered with something this app cannot use, so nothing was sent. ${again}`,
            details,
          }
        : {
            words: `What arrived was not meant for this browser, so it was not used and this browser was not changed. ${again}`,
            details,
          };
    case 'FULL':
    case 'RATE_LIMITED':
      return {
        words: 'The relay is busy with other device links just now. Wait a few minutes, then try again.',
        details,
      };
    default:
      return { words: `Linking did not work. ${again}`, details };
  }
}

/** A problem as a notice: the words, then the details behind a disclosure. */
export function problemNotice(problem: LinkProblem, testid: string): HTMLElement {
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert', 'data-testid': testid },
    h('p', {}, problem.words),
    h('details', { class: 'problem-details' }, h('summary', {}, 'Details'), h('p', { class: 'note' }, problem.details)),
  );
}
