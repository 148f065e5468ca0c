// Asks how far a delete goes: this device only, or also the relays (signed releases of this device's pins).
import { h } from './dom.ts';
import type { FileRecord } from '../data/db.ts';

/** Whether relays may hold copies pinned by this device (then a signed release can delete them there). */
export function mayBeOnRelays(f: FileRecord): boolean {
  return (
    f.origin === 'added' &&
    (f.status === 'stored' ||
      f.status === 'uploading' ||
      (f.status === 'error' && f.capability !== null) ||
      (f.status === 'queued' && f.capability !== null))
  );
}

/**
 * One confirm for one file or several (multi-select): `onChoice(true)` means also release the relays' copies of
 * those files that may be there.
 */
export function openDeleteDialog(
  files: FileRecord | readonly FileRecord[],
  onChoice: (release: boolean) => void,
): void {
  const list: readonly FileRecord[] = Array.isArray(files) ? files : [files as FileRecord];
  const one = list.length === 1 ? list[0]! : null;
  const onRelays = list.some(mayBeOnRelays);
  const allOpened = list.every((f) => f.origin === 'opened');
  const everywhere = h(
    'button',
    { type: 'button', class: 'button button-danger', 'data-testid': 'delete-everywhere' },
    'Delete from relays and this device',
  );
  const local = h(
    'button',
    { type: 'button', class: onRelays ? 'button' : 'button button-danger', 'data-testid': 'delete-local' },
    'Delete from this device',
  );
  const cancel = h('button', { type: 'button', class: 'button', 'data-testid': 'delete-cancel' }, 'Cancel');
  const what = one ? 'the file' : 'the files';
  const d = h(
    'dialog',
    {
      class: 'dialog',
      'aria-labelledby': 'delete-title',
      'data-testid': 'delete-dialog',
      'data-count': list.length,
    },
    h('h2', { id: 'delete-title' }, one ? `Delete ${one.name}?` : `Delete ${list.length} files?`),
    onRelays
      ? h(
          'p',
          {},
          `Deleting from relays sends a release signed with this device’s key for every piece of ${what}. Relays drop a piece once nobody pins it any more. `,
          'People who already have the link or a copy keep what they have. Releases wait in the outbox while no relay is reachable.',
        )
      : h(
          'p',
          {},
          allOpened
            ? `This removes the ${one ? 'copy' : 'copies'} kept on this device. ${one ? 'The file stays' : 'The files stay'} on the tree for whoever stored ${one ? 'it' : 'them'}.`
            : `Nothing of ${one ? 'this file' : 'these files'} reached a relay, so ${one ? 'it only needs' : 'they only need'} removing here.`,
        ),
    h('div', { class: 'dialog-actions' }, ...(onRelays ? [everywhere] : []), local, cancel),
  );
  const finish = (choice: boolean | null): void => {
    d.close();
    d.remove();
    if (choice !== null) onChoice(choice);
  };
  everywhere.addEventListener('click', () => finish(true));
  local.addEventListener('click', () => finish(false));
  cancel.addEventListener('click', () => finish(null));
  d.addEventListener('cancel', () => d.remove());
  document.body.append(d);
  d.showModal();
  cancel.focus();
}
