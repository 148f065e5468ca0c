// The provenance card of "#/open/CAPABILITY": who owns the asset and its history from the ledger, checked here;
// register it when nobody has; transfer it or add a note when this device's key owns it.
import { detailsBox } from '../ui/plain-words.ts';
import { fromHex, toHex } from '../../../core/bytes.ts';
import { toPeerTreeError, type PeerTreeError } from '../../../core/errors.ts';
import { CLIENT_CONNECT_TIMEOUT_MS, MAX_LEDGER_NOTE_LENGTH } from '../../../core/limits.ts';
import { nodeIdOf } from '../../../core/identity/node-id.ts';
import { type RecordKind } from '../../../core/ledger/record.ts';
import { h, setAttrs, setText } from '../ui/dom.ts';
import type { Session } from '../sync/session.ts';
import {
  assetOf,
  fetchHistory,
  isPublicKeyHex,
  submitRecord,
  type AssetHistory,
  type Submission,
} from '../../../core/protocol/ledger-client.ts';

const KIND_LABEL: Record<RecordKind, string> = { register: 'Registered', transfer: 'Transferred', annotate: 'Note' };

/** A short, readable name for a public key: its node id. */
export function keyName(publicKeyHex: string): string {
  try {
    return nodeIdOf(fromHex(publicKeyHex));
  } catch {
    return `${publicKeyHex.slice(0, 12)}…`;
  }
}

function explain(e: PeerTreeError): string {
  switch (e.code) {
    case 'CONFLICT':
      return 'The ownership record changed first (on another device or tab), or the file is already registered. The history below is fresh: look at it, then try again.';
    case 'FORBIDDEN':
      return 'Only the current owner can transfer this file or add a note to its history.';
    case 'NOT_FOUND':
      return 'This file has no ownership record yet.';
    case 'UNAVAILABLE':
    case 'CLOSED':
    case 'TIMEOUT':
      return 'No relay answered: the ownership record needs a connection. Check the internet connection, then try again.';
    default:
      return 'The ownership record could not be changed. Try again in a moment.';
  }
}

export interface LedgerPanel {
  readonly element: HTMLElement;
  show(capability: string): void;
}

/**
 * `uploadedHere(asset)`: true when this device's key stored the file whose manifest hash is `asset` (the
 * ledger accepts a first registration only from the key that pinned the manifest, so only that key is
 * offered "Register"; the root checks it again).
 */
export function createLedgerPanel(
  session: Session,
  uploadedHere: (asset: string) => boolean = () => false,
): LedgerPanel {
  const status = h('p', {
    class: 'form-status',
    role: 'status',
    'aria-live': 'polite',
    'data-testid': 'ledger-status',
  });
  const owner = h('p', { class: 'ledger-owner', 'data-testid': 'ledger-owner' });
  const notUploader = h(
    'p',
    { class: 'note', hidden: true, 'data-testid': 'ledger-register-unavailable' },
    'Nobody has registered this file yet. Only the key that stored it can register it, and this device did not store it.',
  );
  const list = h('ol', {
    class: 'ledger-history',
    'data-testid': 'ledger-history',
    'aria-label': 'History of this asset',
  });
  // The words, then the code and the relay's answer behind a closed disclosure.
  const errorWords = h('span', {});
  const errorDetails = detailsBox('ledger-error-details');
  const error = h(
    'div',
    { class: 'form-error', role: 'alert', 'data-testid': 'ledger-error', hidden: true },
    errorWords,
    errorDetails.element,
  );
  const reload = h(
    'button',
    { type: 'button', class: 'link-button', 'data-testid': 'ledger-reload' },
    'Reload the history',
  );

  const registerNote = h('input', {
    type: 'text',
    id: 'ledger-register-note',
    class: 'text-input',
    maxlength: MAX_LEDGER_NOTE_LENGTH,
    'data-testid': 'ledger-register-note',
  });
  const registerForm = h(
    'form',
    { class: 'stack', hidden: true, 'data-testid': 'ledger-register-form' },
    h(
      'p',
      { class: 'note' },
      'Nobody has registered this file yet. Registering records, signed with your key, that you own it; the ledger shows only its fingerprint, never the file or the key in the link.',
    ),
    h('label', { for: 'ledger-register-note' }, 'Note (optional, public)'),
    registerNote,
    h(
      'button',
      { type: 'submit', class: 'button button-primary', 'data-testid': 'ledger-register' },
      'Register as mine',
    ),
  );
  const transferTo = h('input', {
    type: 'text',
    id: 'ledger-transfer-to',
    class: 'text-input',
    spellcheck: false,
    autocomplete: 'off',
    placeholder: '64 hex characters',
    'data-testid': 'ledger-transfer-to',
  });
  const transferForm = h(
    'form',
    { class: 'stack', 'data-testid': 'ledger-transfer-form' },
    h(
      'label',
      { for: 'ledger-transfer-to' },
      'Transfer to (the new owner’s public key, shown on their “This device” page)',
    ),
    transferTo,
    h('button', { type: 'submit', class: 'button', 'data-testid': 'ledger-transfer' }, 'Transfer'),
  );
  const noteText = h('input', {
    type: 'text',
    id: 'ledger-note',
    class: 'text-input',
    maxlength: MAX_LEDGER_NOTE_LENGTH,
    'data-testid': 'ledger-note',
  });
  const noteForm = h(
    'form',
    { class: 'stack', 'data-testid': 'ledger-annotate-form' },
    h('label', { for: 'ledger-note' }, 'Add a signed note (public)'),
    noteText,
    h('button', { type: 'submit', class: 'button', 'data-testid': 'ledger-annotate' }, 'Add note'),
  );
  const ownerForms = h(
    'div',
    { class: 'stack', hidden: true, 'data-testid': 'ledger-owner-actions' },
    transferForm,
    noteForm,
  );

  const element = h(
    'div',
    { class: 'card ledger', 'data-testid': 'ledger-panel', 'data-state': 'idle', 'aria-labelledby': 'ledger-title' },
    h('h2', { id: 'ledger-title' }, 'Ownership'),
    status,
    owner,
    list,
    error,
    registerForm,
    notUploader,
    ownerForms,
    reload,
  );

  let generation = 0;
  let capability: string | null = null;
  let current: AssetHistory | null = null;
  let busy = false;

  const setBusy = (value: boolean): void => {
    busy = value;
    for (const b of element.querySelectorAll('button')) b.disabled = value;
  };

  const showError = (err: unknown): void => {
    const e = toPeerTreeError(err);
    error.hidden = false;
    setText(errorWords, explain(e));
    errorDetails.show(`${e.code}: ${e.message}`);
    setAttrs(error, { 'data-code': e.code });
  };

  const render = (history: AssetHistory, me: string | null): void => {
    current = history;
    const mine = history.owner !== null && history.owner === me;
    setAttrs(owner, { 'data-owner': history.owner ?? '', 'data-mine': String(mine) });
    if (history.owner === null) setText(owner, 'Owner: nobody yet (not registered).');
    else setText(owner, `Owner: ${mine ? 'you' : keyName(history.owner)} · key ${history.owner.slice(0, 16)}…`);
    list.replaceChildren(
      ...history.entries.map((e) => {
        const r = e.record;
        const parts = [`#${e.seq}`, KIND_LABEL[r.kind], `by ${r.author === me ? 'you' : keyName(r.author)}`];
        if (r.to) parts.push(`to ${r.to === me ? 'you' : keyName(r.to)}`);
        const li = h(
          'li',
          {
            class: 'ledger-entry',
            'data-testid': 'ledger-entry',
            'data-kind': r.kind,
            'data-seq': e.seq,
            'data-author': r.author,
            'data-to': r.to ?? '',
          },
          h('span', { class: 'ledger-entry-head' }, parts.join(' · ')),
          h('time', { class: 'note', datetime: new Date(r.ts).toISOString() }, ` ${new Date(r.ts).toLocaleString()}`),
        );
        if (r.note) li.append(h('span', { class: 'ledger-entry-note' }, r.note));
        return li;
      }),
    );
    list.hidden = history.entries.length === 0;
    const canRegister = history.owner === null && uploadedHere(history.asset);
    registerForm.hidden = !canRegister;
    notUploader.hidden = history.owner !== null || canRegister;
    ownerForms.hidden = !mine;
    setText(
      status,
      history.entries.length === 0
        ? 'Checked: no record of this file in the ledger.'
        : `Checked here: ${history.entries.length} signed record${history.entries.length === 1 ? '' : 's'}, each following the one before.`,
    );
    setAttrs(element, { 'data-state': 'ready', 'data-records': history.entries.length });
  };

  async function load(cap: string): Promise<void> {
    const mine = ++generation;
    let asset: string;
    try {
      asset = assetOf(cap);
    } catch {
      element.hidden = true; // not a capability: the open view already says so
      return;
    }
    element.hidden = false;
    setAttrs(element, { 'data-state': 'loading', 'data-asset': asset });
    setText(status, 'Reading the ledger…');
    try {
      const { socket, identity } = await session.connected(CLIENT_CONNECT_TIMEOUT_MS);
      const history = await fetchHistory(socket, asset);
      if (mine !== generation) return;
      render(history, toHex(identity.publicKey));
    } catch (err) {
      if (mine !== generation) return;
      const e = toPeerTreeError(err);
      setAttrs(element, { 'data-state': 'error', 'data-error': e.code });
      setText(status, `The ledger could not be read: ${explain(e)}`);
      registerForm.hidden = true;
      notUploader.hidden = true;
      ownerForms.hidden = true;
    }
  }

  const submit = async (s: Submission): Promise<void> => {
    if (busy || !capability || !current) return;
    error.hidden = true;
    setBusy(true);
    const cap = capability;
    try {
      const { socket, identity } = await session.connected(CLIENT_CONNECT_TIMEOUT_MS);
      const accepted = await submitRecord(socket, { identity, now: Date.now }, current, s);
      setAttrs(element, { 'data-last-seq': accepted.seq });
      registerNote.value = '';
      noteText.value = '';
      transferTo.value = '';
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
    // Either way the history is read again: after a CONFLICT it shows what came first.
    if (capability === cap) await load(cap);
  };

  registerForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit({ kind: 'register', note: registerNote.value.trim() });
  });
  transferForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const to = transferTo.value.trim().toLowerCase();
    if (!isPublicKeyHex(to)) {
      error.hidden = false;
      setText(
        errorWords,
        'Paste the new owner’s public key: 64 characters 0–9 and a–f (they find it on their Device page).',
      );
      errorDetails.show(null);
      setAttrs(error, { 'data-code': 'BAD_INPUT' });
      return;
    }
    void submit({ kind: 'transfer', to });
  });
  noteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const note = noteText.value.trim();
    if (note === '') return;
    void submit({ kind: 'annotate', note });
  });
  reload.addEventListener('click', () => {
    if (capability) void load(capability);
  });

  return {
    element,
    show(cap) {
      capability = cap;
      current = null;
      error.hidden = true;
      list.replaceChildren();
      setText(owner, '');
      registerForm.hidden = true;
      notUploader.hidden = true;
      ownerForms.hidden = true;
      void load(cap);
    },
  };
}
