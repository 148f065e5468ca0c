// What a person reads when something fails on the files, open and device screens: what happened and what to
// do, in their words. Codes, relay answers and hashes go in `details`, shown behind a closed disclosure.
import { toPeerTreeError } from '../../../core/errors.ts';
import { h, setText } from './dom.ts';

export interface Problem {
  readonly words: string;
  readonly details: string;
  /** Whether trying again can help (a passing condition), so a "Try again" button is worth showing. */
  readonly retry: boolean;
}

const CONNECTION_CODES = new Set(['UNAVAILABLE', 'CLOSED', 'TIMEOUT', 'CONNECTION', 'RATE_LIMITED', 'INTERNAL']);

function detailsOf(err: unknown): string {
  const e = toPeerTreeError(err);
  return `${e.code}: ${e.message}`;
}

/** Why a shared file could not be opened. */
export function openProblem(err: unknown): Problem {
  const e = toPeerTreeError(err);
  const details = detailsOf(err);
  if (e.code === 'BAD_INPUT')
    return {
      words:
        'This is not a valid PeerTree link. Check that the whole link was copied, or ask the person who sent it to send it again.',
      details,
      retry: false,
    };
  if (e.code === 'HASH_MISMATCH')
    return {
      words:
        'What arrived did not match the file’s fingerprint, so nothing is shown. Try again in a while; if it keeps happening, ask for the file again.',
      details,
      retry: true,
    };
  if (e.code === 'NOT_FOUND')
    return {
      words:
        'No relay has this file. Its owner may have deleted it, or the relays that keep it are down. Try again later, or ask the person who sent the link.',
      details,
      retry: true,
    };
  if (e.code === 'RELEASED')
    return {
      words:
        'Its owner deleted this file, so the relays no longer keep it. Ask the person who sent the link to share it again.',
      details,
      retry: false,
    };
  if (e.code === 'FORBIDDEN')
    return { words: 'The relays do not give out this file. Ask the person who sent the link.', details, retry: false };
  if (e.code === 'STALE')
    return {
      words:
        'This device’s clock is more than 5 minutes off, so the relay refuses what it sends. Set the clock (turn on automatic date and time), then try again.',
      details,
      retry: true,
    };
  if (CONNECTION_CODES.has(e.code))
    return {
      words:
        'No relay could be reached, so the file could not be fetched. Check the internet connection, then try again.',
      details,
      retry: true,
    };
  return {
    words: 'The file could not be opened. Try again; if it keeps failing, ask the person who sent the link.',
    details,
    retry: true,
  };
}

/** Why a download of one of the person's files did not start. */
export function downloadProblem(name: string, err: unknown): Problem {
  const open = openProblem(err);
  return { ...open, words: `${name} could not be downloaded. ${open.words}` };
}

/** Why a key backup could not be made or restored (identity-backup.ts words its errors for this). */
export function backupProblem(err: unknown, action: 'export' | 'import'): Problem {
  const message = err instanceof Error ? err.message : String(err);
  const details = message;
  if (/passphrase of at least/.test(message))
    return { words: `${message.charAt(0).toUpperCase()}${message.slice(1)}.`, details, retry: false };
  if (/wrong passphrase/.test(message))
    return {
      words:
        'This is the wrong passphrase for this backup, or the file was changed. Type the passphrase again: capitals and spaces count.',
      details,
      retry: true,
    };
  if (/not a PeerTree key backup/.test(message))
    return {
      words:
        'This file is not a PeerTree key backup. Choose the file named peertree-key-….json that you saved when you made the backup.',
      details,
      retry: false,
    };
  if (/damaged|does not match|unknown key derivation|no valid public key/.test(message))
    return {
      words: 'This backup file is damaged, so it cannot be used. Use another copy of your backup.',
      details,
      retry: false,
    };
  return action === 'export'
    ? { words: 'The backup could not be made on this device. Reload the page and try again.', details, retry: true }
    : {
        words:
          'The backup could not be restored. Nothing on this device was changed. Check the file and the passphrase, then try again.',
        details,
        retry: true,
      };
}

/** The app could not start (storage blocked, a browser without what it needs). */
export function startProblem(err: unknown): Problem {
  return {
    words:
      'PeerTree could not start in this browser. Reload the page. If that does not help, the browser may block storage for this site (private mode does this): allow it, or use another browser.',
    details: err instanceof Error ? err.message : String(err),
    retry: true,
  };
}

/** A closed disclosure with the technical details of a problem, for a screen's error area. */
export function detailsBox(testid: string): { element: HTMLDetailsElement; show(details: string | null): void } {
  const text = h('p', { class: 'note problem-details-text' });
  const element = h(
    'details',
    { class: 'problem-details', hidden: true, 'data-testid': testid },
    h('summary', {}, 'Details'),
    text,
  );
  return {
    element,
    show(details) {
      element.hidden = details === null || details === '';
      element.open = false;
      setText(text, details ?? '');
    },
  };
}

/** A notice for a screen's problems: the words, the details behind a disclosure, Dismiss. Hidden until shown. */
export function problemNotice(testid: string, dismissable = true): { element: HTMLElement; show(p: Problem): void } {
  const words = h('p', {});
  const details = detailsBox(`${testid}-details`);
  const dismiss = dismissable ? h('button', { type: 'button', class: 'link-button' }, 'Dismiss') : null;
  const element = h(
    'div',
    { class: 'notice notice-error', role: 'alert', hidden: true, 'data-testid': testid },
    words,
    details.element,
    dismiss,
  );
  dismiss?.addEventListener('click', () => (element.hidden = true));
  return {
    element,
    show(p) {
      setText(words, p.words);
      details.show(p.details);
      element.hidden = false;
    },
  };
}
