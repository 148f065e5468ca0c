// Rename a file and write a note on it: one small dialog; what is saved goes into the person's library, so
// every device of theirs shows the new name and note (library-sync.ts carries it).
import { MAX_LIBRARY_TEXT } from '../../../core/limits.ts';
import { h, setText } from './dom.ts';
import type { FileRecord } from '../data/db.ts';
import { cleanText } from '../data/library.ts';

export interface FileEdit {
  readonly name: string;
  readonly note: string;
}

/** What a person typed, checked: a name must stay after cleaning; both fit the library's bound. Null = fine. */
export function editProblem(edit: FileEdit): string | null {
  if (cleanText(edit.name) === '') return 'Give the file a name.';
  if (edit.name.length > MAX_LIBRARY_TEXT) return `A name can have at most ${MAX_LIBRARY_TEXT} characters.`;
  if (edit.note.length > MAX_LIBRARY_TEXT) return `A note can have at most ${MAX_LIBRARY_TEXT} characters.`;
  return null;
}

export function openEditDialog(f: FileRecord, onSave: (edit: FileEdit) => void): void {
  const name = h('input', {
    type: 'text',
    id: 'file-rename-input',
    class: 'text-input',
    value: f.name,
    maxlength: MAX_LIBRARY_TEXT,
    autocomplete: 'off',
    'data-testid': 'file-rename-input',
  });
  const note = h('textarea', {
    id: 'file-note',
    class: 'text-input',
    rows: 3,
    maxlength: MAX_LIBRARY_TEXT,
    'data-testid': 'file-note',
  });
  note.value = f.note ?? '';
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'file-rename-error' });
  const save = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'file-rename-save' },
    'Save',
  );
  const cancel = h('button', { type: 'button', class: 'button', 'data-testid': 'file-rename-cancel' }, 'Cancel');
  const form = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'file-rename-input' }, 'Name'),
    name,
    h('label', { for: 'file-note' }, 'Note (only you see it, on each of your devices)'),
    note,
    error,
    h('div', { class: 'dialog-actions' }, save, cancel),
  );
  const d = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'edit-title', 'data-testid': 'file-rename-dialog' },
    h('h2', { id: 'edit-title' }, 'Rename or add a note'),
    h(
      'p',
      {},
      f.origin === 'added'
        ? 'The new name and the note are saved, encrypted, with your file list, so your other devices show them too. People you shared a link with still see the original name.'
        : 'This file was opened from a link: the new name and the note stay on this device.',
    ),
    form,
  );
  const close = (): void => {
    d.close();
    d.remove();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const edit = { name: name.value, note: note.value };
    const problem = editProblem(edit);
    if (problem) {
      error.hidden = false;
      setText(error, problem);
      name.focus();
      return;
    }
    close();
    onSave(edit);
  });
  cancel.addEventListener('click', close);
  d.addEventListener('cancel', () => d.remove());
  document.body.append(d);
  d.showModal();
  name.select();
}
