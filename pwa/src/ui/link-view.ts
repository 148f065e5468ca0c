// "#/link/OFFER" (device B, the new one): answers the other device's mailbox with an ephemeral key, shows the
// code to compare, waits for the sealed key, checks it, and adopts the identity and library key exactly as a
// backup import does (then reloads, so that the socket and the library sync run as that identity).
import { equalBytes, toHex } from '../../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../../core/errors.ts';
import {
  deriveLinkSession,
  linkKeyPair,
  openLinkSecret,
  pkcs8FromSeed,
  readLinkOffer,
} from '../../../core/identity/device-link.ts';
import { LINK_DONE_RELOAD_MS, LINK_TTL_MS } from '../../../core/limits.ts';
import { h, setAttrs, setText } from './dom.ts';
import { adoptPkcs8 } from '../data/identity-backup.ts';
import { replaceIdentity } from '../data/identity-store.ts';
import { linkProblem, mailboxOf, problemNotice, putSlot, randomBytes, waitForSlot } from '../sync/link-mailbox.ts';
import type { Session } from '../sync/session.ts';

export interface LinkViewDeps {
  readonly session: Session;
  readonly libraryKeys: { set(owner: string, key: Uint8Array): Promise<void> };
  /** Stops what runs as the current identity (the library sync), so that nothing writes for it any more. */
  beforeAdopt(): void;
  /** True when this browser has files of its own key, which linking would leave behind: the person confirms. */
  hasOwnFiles(): boolean;
}

export interface LinkView {
  readonly element: HTMLElement;
  show(offer: string): void;
}

export function createLinkView(deps: LinkViewDeps): LinkView {
  const { session } = deps;
  /** The offer being answered, and the flag that stops its waits when another link is opened. */
  let current: { readonly offer: string; cancelled: boolean } | null = null;

  const ownFiles = h(
    'div',
    { class: 'notice notice-info stack', hidden: true, 'data-testid': 'link-own-files' },
    h(
      'p',
      {},
      'This browser already has files of its own. After linking it uses the key of your other device; the files added here stay in the list, but only this browser’s current key could delete them from relays.',
    ),
  );
  const join = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-testid': 'link-join' },
    'Link this browser',
  );
  ownFiles.append(h('span', {}, join));
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'link-status' });
  const code = h('p', { class: 'link-code', 'data-testid': 'link-code' });
  const compare = h(
    'div',
    { class: 'stack', hidden: true, 'data-testid': 'link-compare' },
    h('p', {}, 'Check that your other device shows the same code:'),
    code,
    h(
      'p',
      { class: 'note' },
      'If it does, press “The codes match” there; this page goes on by itself. If it does not, press “They differ” there: nothing is sent.',
    ),
  );
  const outcome = h('div', { class: 'link-outcome' });
  const element = h(
    'section',
    { class: 'view view-link', 'aria-labelledby': 'link-title', 'data-testid': 'link-view' },
    h('h1', { id: 'link-title' }, 'Link this browser to your other device'),
    h(
      'p',
      {},
      'Your other device showed the link that brought you here. When you have compared a six-digit code, this browser gets the same key and the same files as that device.',
    ),
    h(
      'p',
      { class: 'note' },
      'Go on only if you started this on your own device. If someone else sent you this link, close this page: they could see the files you add here.',
    ),
    ownFiles,
    status,
    compare,
    outcome,
    h('p', {}, h('a', { href: '#/', class: 'button' }, 'Back to your files')),
  );

  const run = async (offerText: string, job: { cancelled: boolean }): Promise<void> => {
    const stopped = (): boolean => job.cancelled;
    const deadline = Date.now() + LINK_TTL_MS;
    try {
      const offer = readLinkOffer(offerText);
      const box = toHex(offer.box);
      setText(status, 'Connecting to the relay…');
      const mine = linkKeyPair(randomBytes(32));
      const linked = deriveLinkSession('joiner', mine, offer.publicKey, offer.box);
      mine.secretKey.fill(0);
      await putSlot(session, box, 0, mine.publicKey, deadline, stopped);
      if (job.cancelled) return;
      setText(code, `${linked.code.slice(0, 3)} ${linked.code.slice(3)}`);
      code.dataset.code = linked.code;
      compare.hidden = false;
      setText(status, 'Waiting for you to confirm on your other device…');
      const sealed = await waitForSlot(session, box, 1, deadline, stopped);
      compare.hidden = true;
      setText(status, 'Checking what arrived…');
      // openLinkSecret checks that the seed is the key of the named owner before anything is kept.
      const secret = await openLinkSecret(linked, sealed);
      const pkcs8 = pkcs8FromSeed(secret.seed);
      secret.seed.fill(0);
      let owner: string;
      const libraryKey = secret.libraryKey.slice();
      try {
        const made = await adoptPkcs8(pkcs8);
        if (!equalBytes(made.publicKey, secret.owner))
          throw new PeerTreeError('BAD_INPUT', 'the linked key does not match its public key');
        owner = toHex(made.publicKey);
        if (job.cancelled) return;
        // The same steps as importing a backup: the key, then its library key.
        deps.beforeAdopt();
        const next = await replaceIdentity(made);
        await deps.libraryKeys.set(owner, libraryKey);
        setAttrs(status, { 'data-node-id': next.identity.id });
      } catch (err) {
        libraryKey.fill(0);
        throw err;
      } finally {
        pkcs8.fill(0);
        secret.libraryKey.fill(0);
      }
      // The secret was taken: the box has done its work (it expires anyway if this fails).
      await mailboxOf(session)
        .then((m) => m.close(box))
        .catch(() => {});
      setText(status, '');
      outcome.replaceChildren(
        h(
          'p',
          { class: 'notice notice-info', role: 'status', 'data-testid': 'link-done' },
          'Linked. This browser now has your key and your files. Opening your files…',
        ),
      );
      setTimeout(() => {
        // Written again just before the reload: a sync of the old identity still running cannot have replaced it.
        void deps.libraryKeys.set(owner, libraryKey).finally(() => {
          libraryKey.fill(0);
          history.replaceState(null, '', '#/');
          location.reload();
        });
      }, LINK_DONE_RELOAD_MS);
    } catch (err) {
      if (job.cancelled) return;
      compare.hidden = true;
      setText(status, '');
      outcome.replaceChildren(problemNotice(linkProblem(toPeerTreeError(err), 'join'), 'link-error'));
    } finally {
      if (current === job) current = null;
    }
  };

  const begin = (offer: string): void => {
    ownFiles.hidden = true;
    const job = { offer, cancelled: false };
    current = job;
    void run(offer, job);
  };

  let pending: string | null = null;
  join.addEventListener('click', () => {
    if (pending) begin(pending);
    pending = null;
  });

  return {
    element,
    show(offer) {
      // The same link shown again (a hash event, Back) goes on where it is; another link starts over.
      if (current?.offer === offer) return;
      if (current) current.cancelled = true;
      current = null;
      outcome.replaceChildren();
      compare.hidden = true;
      setText(status, '');
      setAttrs(status, { 'data-node-id': null });
      if (deps.hasOwnFiles()) {
        pending = offer;
        ownFiles.hidden = false;
        return;
      }
      begin(offer);
    },
  };
}
