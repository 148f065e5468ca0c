// "#/device": this device's identity, linking another device, the encrypted key backup (export and import), and
// browser storage.
import { backupProblem, detailsBox } from './plain-words.ts';
import { toHex } from '../../../core/bytes.ts';
import { h, setAttrs, setText } from './dom.ts';
import { formatBytes } from './format.ts';
import { exportBackup, importBackup, MIN_PASSPHRASE_LENGTH } from '../data/identity-backup.ts';
import type { LoadedIdentity } from '../data/identity-store.ts';
import { replaceIdentity } from '../data/identity-store.ts';
import type { LinkPanel } from './link-panel.ts';
import type { IdbShardStore } from '../data/idb-shard-store.ts';
import { downloadBlob } from '../sync/open-file.ts';

export interface DeviceView {
  readonly element: HTMLElement;
  show(): void;
  setIdentity(loaded: LoadedIdentity): void;
}

/** The library key of an identity on this device (it goes into the backup, and comes back from one). */
export interface LibraryKeys {
  get(owner: string): Promise<Uint8Array>;
  set(owner: string, key: Uint8Array): Promise<void>;
}

export function createDeviceView(store: IdbShardStore, libraryKeys?: LibraryKeys, linkPanel?: LinkPanel): DeviceView {
  let loaded: LoadedIdentity | null = null;

  const nodeId = h('code', { 'data-testid': 'device-node-id' }, '…');
  const publicKey = h('code', { class: 'public-key', 'data-testid': 'device-public-key' });
  const copyKey = h('button', { type: 'button', class: 'button', 'data-testid': 'copy-public-key' }, 'Copy public key');
  const copyStatus = h('span', { class: 'note', role: 'status', 'data-testid': 'copy-public-key-status' });
  copyKey.addEventListener('click', () => {
    if (!loaded) return;
    const text = toHex(loaded.identity.publicKey);
    const copied = navigator.clipboard?.writeText
      ? navigator.clipboard.writeText(text)
      : Promise.reject(new Error('no clipboard'));
    copied.then(
      () => setText(copyStatus, 'Copied.'),
      () => {
        // No clipboard permission: select the key so that the user can copy it by hand.
        const range = document.createRange();
        range.selectNodeContents(publicKey);
        const selection = getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
        setText(copyStatus, 'Selected: copy it with your keyboard or menu.');
      },
    );
  });
  const created = h('span', {});

  const exportPass = h('input', {
    type: 'password',
    id: 'export-pass',
    class: 'text-input',
    autocomplete: 'new-password',
    'data-testid': 'export-passphrase',
  });
  const exportButton = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'export-key' },
    'Download encrypted backup',
  );
  const exportStatus = h('p', { class: 'form-status', role: 'status', 'data-testid': 'export-status' });
  const exportDetails = detailsBox('export-details');
  const exportForm = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'export-pass' }, `Passphrase for the backup (at least ${MIN_PASSPHRASE_LENGTH} characters)`),
    exportPass,
    exportButton,
    exportStatus,
    exportDetails.element,
  );
  const exportUnavailable = h(
    'p',
    { class: 'notice notice-info', 'data-testid': 'export-unavailable', hidden: true },
    'This key was made by an earlier version of PeerTree as a key nobody can read, not even this app, so it cannot be backed up. Import a backup, or clear this site’s data to get a new key that can be.',
  );

  // The file picker for the backup is never part of the page: DESIGN.md promises exactly one input[type=file]
  // (the one that adds files), so this one is made on demand and clicked.
  let importFile: File | null = null;
  const chooseFile = h(
    'button',
    { type: 'button', class: 'button', id: 'import-file', 'data-testid': 'import-choose' },
    'Choose backup file…',
  );
  const chosenName = h('span', { class: 'note', 'data-testid': 'import-file-name' }, 'No file chosen');
  chooseFile.addEventListener('click', () => {
    const picker = document.createElement('input');
    picker.type = 'file';
    picker.accept = 'application/json,.json';
    picker.addEventListener('change', () => {
      importFile = picker.files?.[0] ?? null;
      setText(chosenName, importFile ? importFile.name : 'No file chosen');
    });
    picker.click();
  });
  const importPass = h('input', {
    type: 'password',
    id: 'import-pass',
    class: 'text-input',
    autocomplete: 'current-password',
    'data-testid': 'import-passphrase',
  });
  const importConfirm = h('input', { type: 'checkbox', id: 'import-confirm', 'data-testid': 'import-confirm' });
  const importButton = h(
    'button',
    { type: 'submit', class: 'button', 'data-testid': 'import-key' },
    'Replace this device’s key',
  );
  const importStatus = h('p', { class: 'form-status', role: 'status', 'data-testid': 'import-status' });
  const importDetails = detailsBox('import-details');
  const importForm = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'import-file' }, 'Backup file'),
    h('span', { class: 'relay-form-row' }, chooseFile, chosenName),
    h('label', { for: 'import-pass' }, 'Its passphrase'),
    importPass,
    h(
      'label',
      { class: 'check', for: 'import-confirm' },
      importConfirm,
      ' I understand that this device then signs as the imported key; files stored with the current key can only be deleted from relays with the current key.',
    ),
    importButton,
    importStatus,
    importDetails.element,
  );

  const usage = h('p', { 'data-testid': 'storage-usage' }, '…');
  const persisted = h('p', { 'data-testid': 'storage-persist', 'data-persisted': 'unknown' });
  const persistButton = h(
    'button',
    { type: 'button', class: 'button', 'data-testid': 'storage-persist-button' },
    'Ask the browser to keep this data',
  );

  const element = h(
    'section',
    { class: 'view view-device', 'aria-labelledby': 'device-title', 'data-testid': 'device-view' },
    h('h1', { id: 'device-title' }, 'This device'),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Identity'),
      h('p', {}, 'Node id: ', nodeId),
      h('p', { class: 'note' }, 'Public key: ', publicKey),
      h('p', { class: 'note' }, 'Others transfer ledger assets to this key.'),
      h('p', { class: 'relay-form-row' }, copyKey, copyStatus),
      h('p', { class: 'note' }, created),
    ),
    linkPanel?.element ?? null,
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Back up your key'),
      h(
        'p',
        {},
        'The backup is encrypted with your passphrase on this device (PBKDF2-SHA-256, 600,000 rounds, then AES-256-GCM). Keep the file and the passphrase apart.',
      ),
      exportUnavailable,
      exportForm,
    ),
    h('div', { class: 'card' }, h('h2', {}, 'Restore a key'), importForm),
    h('div', { class: 'card' }, h('h2', {}, 'Storage'), usage, persisted, persistButton),
  );

  const renderIdentity = (): void => {
    if (!loaded) return;
    setText(nodeId, loaded.identity.id);
    setAttrs(nodeId, { 'data-node-id': loaded.identity.id });
    setText(publicKey, toHex(loaded.identity.publicKey));
    setAttrs(publicKey, { 'data-public-key': toHex(loaded.identity.publicKey) });
    setText(created, `Key made or imported ${new Date(loaded.createdAt).toLocaleString()}.`);
    const backable = loaded.record.wrapped !== undefined;
    exportUnavailable.hidden = backable;
    exportForm.hidden = !backable;
  };

  const renderStorage = async (): Promise<void> => {
    const stats = await store.stats();
    const estimate = await navigator.storage?.estimate?.().catch(() => null);
    const cached = `${stats.shards} pieces (${formatBytes(stats.bytes)}) of files kept on this device`;
    setText(
      usage,
      estimate?.usage !== undefined && estimate.quota
        ? `${formatBytes(estimate.usage)} used of ${formatBytes(estimate.quota)} the browser allows; ${cached}.`
        : `${cached}.`,
    );
    const isPersisted = await navigator.storage?.persisted?.().catch(() => false);
    setAttrs(persisted, { 'data-persisted': String(Boolean(isPersisted)) });
    setText(
      persisted,
      isPersisted
        ? 'The browser keeps this data even when space runs low.'
        : 'The browser may clear this data when space runs low, unless you ask it to keep it.',
    );
    persistButton.hidden = Boolean(isPersisted) || typeof navigator.storage?.persist !== 'function';
  };

  persistButton.addEventListener('click', () => {
    navigator.storage.persist().then(
      (granted) => {
        if (!granted)
          setText(
            persisted,
            'The browser declined for now (it decides from how you use the site); files are still kept unless space runs out.',
          );
        else void renderStorage();
      },
      () => setText(persisted, 'The browser could not answer.'),
    );
  });

  exportForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const wrapped = loaded?.record.wrapped;
    if (!loaded || !wrapped) return;
    setText(exportStatus, 'Encrypting…');
    exportDetails.show(null);
    const owner = toHex(loaded.identity.publicKey);
    (libraryKeys ? libraryKeys.get(owner) : Promise.resolve(undefined))
      .then((libraryKey) => exportBackup(wrapped, loaded!.identity.publicKey, exportPass.value, libraryKey))
      .then(
        (json) => {
          downloadBlob(new Blob([json], { type: 'application/json' }), `peertree-key-${loaded!.identity.id}.json`);
          exportPass.value = '';
          setText(exportStatus, 'Backup downloaded.');
        },
        (err: unknown) => {
          const p = backupProblem(err, 'export');
          setText(exportStatus, p.words);
          exportDetails.show(p.details);
        },
      );
  });

  importForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const file = importFile;
    if (!file) return setText(importStatus, 'Choose your backup file first (“Choose backup file…”).');
    if (!importConfirm.checked)
      return setText(
        importStatus,
        'Tick the box above to confirm that this device should sign as the key in the backup.',
      );
    setText(importStatus, 'Decrypting…');
    importDetails.show(null);
    file
      .text()
      .then((text) => importBackup(text, importPass.value))
      .then(async (made) => {
        const next = await replaceIdentity(made);
        if (made.libraryKey && libraryKeys) await libraryKeys.set(toHex(made.publicKey), made.libraryKey);
        return next;
      })
      .then(
        (next) => {
          setText(importStatus, `This device now signs as ${next.identity.id}. Reloading…`);
          setAttrs(importStatus, { 'data-node-id': next.identity.id });
          setTimeout(() => location.reload(), 1500);
        },
        (err: unknown) => {
          const p = backupProblem(err, 'import');
          setText(importStatus, p.words);
          importDetails.show(p.details);
        },
      );
  });

  return {
    element,
    show() {
      renderIdentity();
      void renderStorage();
    },
    setIdentity(next) {
      loaded = next;
      linkPanel?.setIdentity(next);
      renderIdentity();
    },
  };
}
