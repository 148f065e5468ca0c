// The bar shown in select mode: how many files are chosen, and what to do with all of them at once (share as a
// list of links, download each, delete after one confirm, add to an album); Done leaves select mode.
import { h, setAttrs, setText } from '../ui/dom.ts';
import { mayBeOnRelays, openDeleteDialog } from '../ui/delete-dialog.ts';
import { shareLinkOf } from '../ui/share-dialog.ts';
import type { FileStore, FileState } from '../state/file-store.ts';
import type { FileActions } from './file-row.ts';
import type { Selection } from './selection.ts';

export interface SelectBarDeps {
  readonly files: FileStore;
  readonly actions: FileActions;
  readonly selection: Selection;
  /** Extra buttons (Add to album), enabled like the others when something is selected. */
  readonly extra?: readonly HTMLButtonElement[];
}

function chosen(deps: SelectBarDeps): FileState[] {
  return deps.selection
    .ids()
    .map((id) => deps.files.get(id))
    .filter((f): f is FileState => f !== undefined);
}

/** One line per stored file: its name and the link that opens it. */
function linkList(files: readonly { name: string; capability: string | null; status: string }[]): string {
  return files
    .filter((f) => f.status === 'stored' && f.capability)
    .map((f) => `${f.name}: ${shareLinkOf(f.capability!)}`)
    .join('\n');
}

/** The dialog with every selected file's link, to copy as one list. */
function openShareManyDialog(files: readonly FileState[]): void {
  const text = linkList(files);
  const shared = text === '' ? 0 : text.split('\n').length;
  const list = h(
    'textarea',
    {
      class: 'share-link share-many',
      readonly: true,
      rows: Math.min(8, Math.max(2, shared)),
      'aria-label': 'Links to the selected files, one per line',
      'data-testid': 'share-many-list',
      'data-count': shared,
    },
    text,
  );
  const hint = h('p', { class: 'share-hint', role: 'status' });
  const copy = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-testid': 'share-many-copy' },
    'Copy all links',
  );
  copy.addEventListener('click', () => {
    list.select();
    navigator.clipboard?.writeText(text).then(
      () => setText(hint, 'Copied.'),
      () => setText(hint, 'Could not copy; select the links and copy them yourself.'),
    );
  });
  const skipped = files.length - shared;
  const close = h('button', { type: 'submit', class: 'button', value: 'close' }, 'Close');
  const d = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'share-many-title', 'data-testid': 'share-many-dialog' },
    h('h2', { id: 'share-many-title' }, `Share ${shared} file${shared === 1 ? '' : 's'}`),
    h(
      'p',
      {},
      'Anyone with one of these links can open and decrypt that file. Send only the lines meant for each person.',
    ),
    skipped > 0
      ? h(
          'p',
          { class: 'notice notice-info' },
          `${skipped} of the selected files ${skipped === 1 ? 'is' : 'are'} not stored on the relays yet, so ${skipped === 1 ? 'it has' : 'they have'} no link.`,
        )
      : null,
    list,
    hint,
    h('div', { class: 'dialog-actions' }, copy),
    h('form', { method: 'dialog', class: 'dialog-close' }, close),
  );
  document.body.append(d);
  d.addEventListener('close', () => d.remove());
  d.showModal();
  list.select();
}

export function createSelectBar(deps: SelectBarDeps): HTMLElement {
  const count = h('span', { class: 'select-count', 'aria-live': 'polite', 'data-testid': 'select-count' });
  const button = (label: string, testid: string, onClick: () => void, danger = false): HTMLButtonElement => {
    const b = h(
      'button',
      { type: 'button', class: danger ? 'button button-danger' : 'button', 'data-testid': testid },
      label,
    );
    b.addEventListener('click', onClick);
    return b;
  };
  const share = button('Share', 'select-share', () => openShareManyDialog(chosen(deps)));
  const download = button('Download', 'select-download', () => {
    for (const f of chosen(deps)) if (f.capability) deps.actions.download(f.id);
  });
  const remove = button(
    'Delete',
    'select-delete',
    () => {
      const list = chosen(deps);
      if (list.length === 0) return;
      openDeleteDialog(list, (release) => {
        for (const f of list) deps.actions.remove(f.id, release && mayBeOnRelays(f));
        deps.selection.stop();
      });
    },
    true,
  );
  const done = button('Done', 'select-done', () => deps.selection.stop());
  const actions = [share, download, ...(deps.extra ?? []), remove];
  const bar = h(
    'div',
    { class: 'select-bar', role: 'toolbar', 'aria-label': 'Selected files', 'data-testid': 'select-bar', hidden: true },
    count,
    h('span', { class: 'select-actions' }, ...actions, done),
  );
  const render = (): void => {
    const s = deps.selection;
    bar.hidden = !s.active;
    const files = chosen(deps);
    setText(count, `${files.length} selected`);
    setAttrs(bar, { 'data-count': files.length });
    for (const b of actions) b.disabled = files.length === 0;
    share.disabled = !files.some((f) => f.status === 'stored' && f.capability);
    download.disabled = !files.some((f) => f.capability);
  };
  deps.selection.subscribe(render);
  deps.files.subscribe(() => {
    if (deps.selection.active) render();
  });
  render();
  return bar;
}
