// The "Link another device" card of "#/device" (device A, which has the identity): opens a mailbox, shows the
// link and its QR code, waits for the new device, shows the code to compare, and only after the person says
// the codes match sends the sealed key and library key (docs/security.md, "Linking a device").
import { toHex } from '../../../core/bytes.ts';
import { toPeerTreeError } from '../../../core/errors.ts';
import {
  deriveLinkSession,
  LINK_BOX_BYTES,
  LINK_NONCE_BYTES,
  linkKeyPair,
  linkOfferText,
  sealLinkSecret,
  seedFromPkcs8,
} from '../../../core/identity/device-link.ts';
import { LINK_TTL_MS } from '../../../core/limits.ts';
import { h, setText } from './dom.ts';
import { unsealPkcs8 } from '../data/identity-backup.ts';
import type { LoadedIdentity } from '../data/identity-store.ts';
import {
  LINK_MINUTES,
  linkProblem,
  mailboxOf,
  problemNotice,
  putSlot,
  randomBytes,
  waitForSlot,
} from '../sync/link-mailbox.ts';
import type { Session } from '../sync/session.ts';
import { qrSvg } from './share-dialog.ts';

/** The library key of an identity on this device (device-view.ts passes its own). */
export interface LinkLibraryKeys {
  get(owner: string): Promise<Uint8Array>;
}

export interface LinkPanel {
  readonly element: HTMLElement;
  setIdentity(loaded: LoadedIdentity): void;
}

/** The link another device opens: this app's origin and the offer in the fragment (never sent to a relay). */
export function linkUrlOf(offer: string, base: string = location.origin): string {
  return `${base}/#/link/${offer}`;
}

export function createLinkPanel(session: Session, libraryKeys: LinkLibraryKeys): LinkPanel {
  let loaded: LoadedIdentity | null = null;
  /** The link in progress: its box and a flag that stops its waits. */
  let current: { readonly box: string; cancelled: boolean; choose(match: boolean): void } | null = null;

  const start = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-testid': 'link-start' },
    'Link another device',
  );
  const intro = h(
    'p',
    {},
    'Use your files on a phone or another browser: open a link there, compare a six-digit code, and that device gets your key and your file list. Nothing is sent until you confirm the code here.',
  );
  const unavailable = h(
    'p',
    { class: 'notice notice-info', 'data-testid': 'link-unavailable', hidden: true },
    'This key was made by an earlier version of PeerTree as a key nobody can read, not even this app, so it cannot be given to another device. Import a backup, or clear this site’s data to get a new key that can be.',
  );

  const url = h('input', {
    type: 'text',
    readonly: true,
    class: 'share-link',
    'aria-label': 'Link for your other device',
    'data-testid': 'link-url',
  });
  const copyHint = h('span', { class: 'note', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button' }, 'Copy link');
  copy.addEventListener('click', () => {
    url.select();
    navigator.clipboard?.writeText(url.value).then(
      () => setText(copyHint, 'Copied.'),
      () => setText(copyHint, 'Select the link and copy it yourself.'),
    );
  });
  const qrHolder = h('div', { class: 'link-qr' });
  const cancel = h('button', { type: 'button', class: 'button', 'data-testid': 'link-cancel' }, 'Cancel');
  const waiting = h(
    'div',
    { class: 'stack', hidden: true, 'data-testid': 'link-waiting' },
    h(
      'p',
      {},
      `On your other device, open this link or scan the code with its camera. It works once, for ${LINK_MINUTES} minutes.`,
    ),
    url,
    h('span', { class: 'relay-form-row' }, copy, copyHint),
    qrHolder,
    h('p', { class: 'note', role: 'status' }, 'Waiting for the other device to open the link…'),
    h('span', {}, cancel),
  );

  const code = h('p', { class: 'link-code', 'data-testid': 'link-code', 'aria-live': 'polite' });
  const confirm = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-testid': 'link-confirm' },
    'The codes match',
  );
  const reject = h('button', { type: 'button', class: 'button', 'data-testid': 'link-reject' }, 'They differ');
  const compare = h(
    'div',
    { class: 'stack', hidden: true, 'data-testid': 'link-compare' },
    h('p', {}, 'The other device opened the link. Check that it shows the same code:'),
    code,
    h(
      'p',
      { class: 'note' },
      'If the codes differ, someone else opened the link: press “They differ” and nothing is sent.',
    ),
    h('span', { class: 'relay-form-row' }, confirm, reject),
  );
  const status = h('p', { class: 'form-status', role: 'status', 'data-testid': 'link-status' });
  const outcome = h('div', { class: 'link-outcome' });

  const element = h(
    'div',
    { class: 'card', 'data-testid': 'link-panel' },
    h('h2', {}, 'Link another device'),
    intro,
    unavailable,
    h('span', {}, start),
    waiting,
    compare,
    status,
    outcome,
  );

  const show = (part: 'idle' | 'waiting' | 'compare' | 'busy'): void => {
    const backable = loaded?.record.wrapped !== undefined;
    unavailable.hidden = backable;
    start.hidden = !backable || part !== 'idle';
    waiting.hidden = part !== 'waiting';
    compare.hidden = part !== 'compare';
  };

  const finish = (note: HTMLElement | null): void => {
    current = null;
    setText(status, '');
    outcome.replaceChildren(...(note ? [note] : []));
    show('idle');
  };

  const begin = async (): Promise<void> => {
    const wrapped = loaded?.record.wrapped;
    const identity = loaded?.identity;
    if (!wrapped || !identity || current) return;
    outcome.replaceChildren();
    setText(status, 'Preparing the link…');
    show('busy');
    const mine = linkKeyPair(randomBytes(32));
    const boxBytes = randomBytes(LINK_BOX_BYTES);
    const box = toHex(boxBytes);
    let choose: (match: boolean) => void = () => {};
    const chosen = new Promise<boolean>((resolve) => (choose = resolve));
    const run = { box, cancelled: false, choose };
    current = run;
    const deadline = Date.now() + LINK_TTL_MS;
    const stopped = (): boolean => run.cancelled;
    try {
      await (await mailboxOf(session)).open(box, LINK_TTL_MS);
      const link = linkUrlOf(linkOfferText({ box: boxBytes, publicKey: mine.publicKey }));
      url.value = link;
      const qr = qrSvg(link, 'QR code of the link for your other device');
      qr.setAttribute('data-testid', 'link-qr');
      qrHolder.replaceChildren(qr);
      setText(status, '');
      show('waiting');
      const theirs = await waitForSlot(session, box, 0, deadline, stopped);
      const linked = deriveLinkSession('offerer', mine, theirs, boxBytes);
      mine.secretKey.fill(0);
      setText(code, `${linked.code.slice(0, 3)} ${linked.code.slice(3)}`);
      code.dataset.code = linked.code;
      show('compare');
      if (!(await chosen)) {
        run.cancelled = true;
        await (await mailboxOf(session)).close(box).catch(() => {});
        return finish(
          h(
            'p',
            { class: 'notice notice-info', role: 'status', 'data-testid': 'link-rejected' },
            'Nothing was sent, and the link no longer works. Someone other than your device may have opened it: share the link only with your own devices. Press “Link another device” to try again.',
          ),
        );
      }
      setText(status, 'Sending your key to the other device, encrypted…');
      show('busy');
      const pkcs8 = await unsealPkcs8(wrapped);
      const seed = seedFromPkcs8(pkcs8);
      pkcs8.fill(0);
      try {
        const libraryKey = await libraryKeys.get(toHex(identity.publicKey));
        const sealed = await sealLinkSecret(
          linked,
          { owner: identity.publicKey, seed, libraryKey },
          randomBytes(LINK_NONCE_BYTES),
        );
        await putSlot(session, box, 1, sealed, deadline, stopped);
      } finally {
        seed.fill(0);
      }
      finish(
        h(
          'p',
          { class: 'notice notice-info', role: 'status', 'data-testid': 'link-done' },
          'Linked. The other device now has your files.',
        ),
      );
    } catch (err) {
      if (run.cancelled)
        return finish(
          h(
            'p',
            { class: 'notice notice-info', role: 'status', 'data-testid': 'link-cancelled' },
            'Linking cancelled. Nothing was sent.',
          ),
        );
      run.cancelled = true;
      await mailboxOf(session)
        .then((m) => m.close(box))
        .catch(() => {});
      const problem = linkProblem(toPeerTreeError(err), 'offer');
      finish(problemNotice(problem, 'link-error'));
    }
  };

  start.addEventListener('click', () => void begin());
  confirm.addEventListener('click', () => current?.choose(true));
  reject.addEventListener('click', () => current?.choose(false));
  cancel.addEventListener('click', () => {
    const run = current;
    if (!run) return;
    run.cancelled = true;
    // Closing the box wakes the relay's waiting answer at once (NOT_FOUND), which ends the wait.
    void mailboxOf(session)
      .then((m) => m.close(run.box))
      .catch(() => {});
  });

  return {
    element,
    setIdentity(next) {
      loaded = next;
      if (!current) show('idle');
    },
  };
}
