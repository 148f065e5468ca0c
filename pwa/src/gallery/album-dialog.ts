// The dialogs of albums: put the selected files into an album (an existing one or a new one named here), and
// give an album a new name.
import { h, setText } from '../ui/dom.ts';
import type { LibraryAlbum } from '../../../core/library/albums.ts';
import { MAX_LIBRARY_TEXT } from '../../../core/limits.ts';

/** What the person chose: an album by id, or a new album with this name. */
export type AlbumChoice = { readonly id: string } | { readonly name: string };

function nameInput(id: string, value: string): HTMLInputElement {
  return h('input', {
    type: 'text',
    id,
    class: 'text-input',
    value,
    maxlength: MAX_LIBRARY_TEXT,
    autocomplete: 'off',
    'data-testid': 'album-name-input',
  });
}

function show(d: HTMLDialogElement, focus: HTMLElement): void {
  document.body.append(d);
  d.addEventListener('close', () => d.remove());
  d.showModal();
  focus.focus();
}

/** Asks which album `count` files go into; `onChoice` is not called when the person cancels. */
export function openAddToAlbumDialog(
  count: number,
  albums: readonly LibraryAlbum[],
  onChoice: (choice: AlbumChoice) => void,
): void {
  const input = nameInput('album-new-name', '');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const create = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'album-create' },
    'Make album',
  );
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'album-new' },
    h('label', { for: 'album-new-name' }, 'New album'),
    input,
    error,
    h('div', { class: 'dialog-actions' }, create),
  );
  const existing = albums.map((a) => {
    const b = h(
      'button',
      { type: 'button', class: 'button album-choice', 'data-testid': 'album-choice', 'data-name': a.name },
      a.name || 'Untitled album',
    );
    b.addEventListener('click', () => {
      d.close();
      onChoice({ id: a.id });
    });
    return h('li', {}, b);
  });
  const cancel = h('button', { type: 'submit', class: 'button', value: 'cancel' }, 'Cancel');
  const d = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'album-add-title', 'data-testid': 'album-dialog' },
    h('h2', { id: 'album-add-title' }, `Add ${count} file${count === 1 ? '' : 's'} to an album`),
    existing.length > 0 ? h('ul', { class: 'album-choices', 'aria-label': 'Your albums' }, ...existing) : null,
    form,
    h('form', { method: 'dialog', class: 'dialog-close' }, cancel),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (name === '') {
      error.hidden = false;
      setText(error, 'Give the new album a name, or pick one of your albums above.');
      input.focus();
      return;
    }
    d.close();
    onChoice({ name });
  });
  show(d, existing.length > 0 ? (existing[0]!.firstChild as HTMLElement) : input);
}

/** Asks for an album's new name; `onName` gets it trimmed, only when it is not empty. */
export function openRenameAlbumDialog(current: string, onName: (name: string) => void): void {
  const input = nameInput('album-rename-name', current);
  const save = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'album-rename-save' },
    'Save',
  );
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const form = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'album-rename-name' }, 'Album name'),
    input,
    h('div', { class: 'dialog-actions' }, save, cancel),
  );
  const d = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'album-rename-title', 'data-testid': 'album-rename-dialog' },
    h('h2', { id: 'album-rename-title' }, 'Rename the album'),
    form,
  );
  cancel.addEventListener('click', () => d.close());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    d.close();
    if (name !== '' && name !== current) onName(name);
  });
  show(d, input);
  input.select();
}
