// The file picker, drop zone and the list of `[data-testid=file-row]` elements, updated in place per file.
import { checkContent, MAX_MEMORY_TEXT } from '../../core/search/memory.ts';
import { toPeerTreeError } from '../../core/errors.ts';
import { h, setAttrs, setText } from './dom.ts';
import { hrefOf } from './router.ts';
import { parseTags } from './search/tags.ts';
import { formatBytes, groupHex } from './format.ts';
import type { FileEntry, FileStatus, Library } from './library.ts';
import { openDeleteDialog } from './delete-dialog.ts';
import { openShareDialog } from './share-dialog.ts';

const STATUS_LABEL: Record<FileStatus, string> = {
  local: 'Preparing',
  queued: 'Waiting for a relay',
  uploading: 'Uploading',
  stored: 'Stored on the tree',
  error: 'Problem',
};

export interface FileActions {
  /** `release`: also send signed releases of this device's pins to the relays. */
  remove(id: string, release: boolean): void;
  retry(id: string): void;
  download(id: string): void;
}

interface RowParts {
  readonly row: HTMLLIElement;
  readonly meta: HTMLElement;
  readonly detail: HTMLElement;
  readonly progress: HTMLProgressElement;
  readonly badge: HTMLElement;
  readonly actions: HTMLElement;
  lastActionsKey: string;
}

/** A coarse kind for the icon colour (no emoji: they depend on fonts the device may not have). */
function kindOf(type: string): string {
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf' || type.startsWith('text/')) return 'doc';
  return 'other';
}

/** Up to four characters of the file's extension, shown in its icon ("JPG", "PDF"); "FILE" when none. */
function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,4})$/.exec(name);
  return m ? m[1]!.toUpperCase() : 'FILE';
}

function createRow(f: FileEntry): RowParts {
  const meta = h('span', { class: 'file-meta' });
  const detail = h('span', { class: 'file-detail', 'data-testid': 'file-detail' });
  const progress = h('progress', { class: 'file-progress', max: 1, value: 0, 'aria-label': `Progress of ${f.name}`, 'data-testid': 'file-progress' });
  const badge = h('span', { class: 'badge', 'data-testid': 'file-badge' });
  const actions = h('span', { class: 'file-actions' });
  const row = h(
    'li',
    { class: 'file-row', 'data-testid': 'file-row', 'data-key': f.id },
    h('span', { class: `file-icon file-icon-${kindOf(f.type)}`, 'aria-hidden': 'true' }, extensionOf(f.name)),
    h('span', { class: 'file-main' }, h('span', { class: 'file-name' }, f.name), meta, detail, progress),
    badge,
    actions,
  );
  return { row, meta, detail, progress, badge, actions, lastActionsKey: '' };
}

function statusText(f: FileEntry): string {
  if (f.status === 'stored') {
    if (f.origin === 'opened') return 'Opened from a link · kept on this device';
    return `Stored on ${f.replicas ?? '?'} relay${f.replicas === 1 ? '' : 's'}`;
  }
  if (f.status === 'error') return f.error ?? 'Something went wrong';
  if (f.progress?.phase === 'sealing') return `Encrypting on this device… ${f.size === 0 ? '' : `${Math.floor((100 * f.progress.done) / Math.max(1, f.progress.total))}%`}`;
  if (f.status === 'uploading') return f.progress ? `Sending piece ${f.progress.done} of ${f.progress.total}` : 'Sending…';
  if (f.status === 'queued' && f.waiting) return `Saved here, ${f.waiting}; it will be sent on its own`;
  if (f.status === 'queued') return 'Encrypted and saved here; it will be sent when a relay is reachable';
  return 'Preparing…';
}

function button(label: string, aria: string, onClick: () => void, testid: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'link-button', 'aria-label': aria, 'data-testid': testid }, label);
  b.addEventListener('click', onClick);
  return b;
}

function renderActions(parts: RowParts, f: FileEntry, actions: FileActions, canRetry: boolean): void {
  const key = `${f.status}|${f.capability ?? ''}|${canRetry}|${f.memoryError ?? ''}`;
  if (key === parts.lastActionsKey) return;
  parts.lastActionsKey = key;
  const items: HTMLElement[] = [];
  if (f.status === 'stored' && f.capability) {
    items.push(h('a', { class: 'link-button', href: `#/open/${encodeURIComponent(f.capability)}`, 'aria-label': `Open ${f.name}`, 'data-testid': 'file-open' }, 'Open'));
    items.push(button('Share', `Share ${f.name}`, () => openShareDialog(f.name, f.capability!), 'file-share'));
  }
  if (f.capability) items.push(button('Download', `Download ${f.name}`, () => actions.download(f.id), 'file-download'));
  if (f.status === 'error' && canRetry) items.push(button('Retry', `Retry ${f.name}`, () => actions.retry(f.id), 'file-retry'));
  else if (f.memoryError && canRetry) items.push(button('Retry search entry', `Make ${f.name} findable again`, () => actions.retry(f.id), 'file-retry-memory'));
  items.push(
    button(
      'Delete',
      `Delete ${f.name} from this device`,
      () => openDeleteDialog(f, (release) => actions.remove(f.id, release)),
      'file-delete',
    ),
  );
  parts.actions.replaceChildren(...items);
}

/** "findable" once a relay stored its memory; "waiting" while it waits; "refused" by a relay; null when not asked. */
function findableState(f: FileEntry): 'findable' | 'waiting' | 'refused' | null {
  if (f.memoryId) return 'findable';
  if (f.memoryError) return 'refused';
  return f.searchable ? 'waiting' : null;
}

function updateRow(parts: RowParts, f: FileEntry, actions: FileActions, canRetry: boolean): void {
  const findable = findableState(f);
  setAttrs(parts.row, {
    'data-searchable': findable,
    'data-memory-id': f.memoryId ?? null,
    'data-name': f.name,
    'data-status': f.status,
    'data-origin': f.origin,
    'data-file-hash': f.fileHash,
    // Shown once the file is on the tree: a link shared earlier would not open anywhere yet.
    'data-capability': f.status === 'stored' ? f.capability : null,
    'data-replicas': f.status === 'stored' ? f.replicas : null,
    'data-error': f.status === 'error' ? f.error : null,
    'data-waiting': f.status === 'queued' ? (f.waiting ?? null) : null,
  });
  setText(
    parts.meta,
    [formatBytes(f.size), f.type || 'unknown type', f.fileHash ? `fingerprint ${groupHex(f.fileHash, 2)}…` : null, findable === 'findable' ? 'findable by search' : findable === 'waiting' ? 'findable once stored' : findable === 'refused' ? `not findable: ${f.memoryError}` : null]
      .filter(Boolean)
      .join(' · '),
  );
  setText(parts.detail, statusText(f));
  const p = f.progress;
  parts.progress.hidden = !p;
  if (p) parts.progress.value = p.total === 0 ? 0 : p.done / p.total;
  setText(parts.badge, f.status === 'stored' && f.origin === 'added' ? `Stored ×${f.replicas ?? '?'}` : STATUS_LABEL[f.status]);
  parts.badge.className = `badge badge-${f.status}`;
  renderActions(parts, f, actions, canRetry);
}

export interface FileListView {
  readonly element: HTMLElement;
}

/**
 * The opt-in to make the next files findable: off by default (files are encrypted, and a searchable description
 * is public); reset after each add so that it never stays on by accident.
 */
function createSearchableOptions(): { element: HTMLElement; take(): { description: string; tags: string[] } | null | Error } {
  const check = h('input', { type: 'checkbox', id: 'searchable-check', 'data-testid': 'searchable-check' });
  const description = h('textarea', { id: 'searchable-description', class: 'text-input', rows: 2, maxlength: MAX_MEMORY_TEXT - 256, 'data-testid': 'searchable-description' });
  const tags = h('input', { type: 'text', id: 'searchable-tags', class: 'text-input', autocomplete: 'off', 'data-testid': 'searchable-tags' });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'searchable-error', hidden: true });
  const fields = h(
    'div',
    { class: 'stack', hidden: true },
    h(
      'p',
      { class: 'notice notice-info', 'data-testid': 'searchable-warning' },
      'Public: the name, this description and the tags go to relays in clear, together with the file’s link. Anyone who searches can read them and, with the link, open the file, although it is stored encrypted.',
    ),
    h('label', { for: 'searchable-description' }, 'Description (what you would search for later)'),
    description,
    h('label', { for: 'searchable-tags' }, 'Tags (optional, separated by commas)'),
    tags,
    error,
  );
  const element = h(
    'div',
    { class: 'searchable-options', 'data-testid': 'searchable-options' },
    h('label', { class: 'check', for: 'searchable-check' }, check, ' Make the name and a description of the next files I add findable by search'),
    fields,
  );
  check.addEventListener('change', () => (fields.hidden = !check.checked));
  return {
    element,
    take() {
      if (!check.checked) return null;
      const chosen = { description: description.value.trim(), tags: parseTags(tags.value) };
      try {
        checkContent({ text: `name\n${chosen.description}`, tags: chosen.tags, ref: null });
      } catch (err) {
        error.hidden = false;
        setText(error, toPeerTreeError(err).message);
        return new Error(toPeerTreeError(err).message);
      }
      error.hidden = true;
      check.checked = false;
      fields.hidden = true;
      description.value = '';
      tags.value = '';
      return { description: chosen.description, tags: [...new Set(chosen.tags.map((t) => t.toLowerCase()))] };
    },
  };
}

/** Builds the "Your files" section and keeps it in sync with the library. */
export function createFileListView(files: Library, actions: FileActions, canRetry: (f: FileEntry) => boolean): FileListView {
  const input = h('input', { id: 'file-input', class: 'visually-hidden', type: 'file', multiple: true, 'data-testid': 'file-input' });
  const searchable = createSearchableOptions();
  const searchInput = h('input', { type: 'search', id: 'files-search-input', class: 'text-input', autocomplete: 'off', placeholder: 'Search your files and public notes', 'data-testid': 'files-search-input' });
  const searchForm = h(
    'form',
    { class: 'search-form', role: 'search', 'data-testid': 'files-search' },
    h('label', { for: 'files-search-input', class: 'visually-hidden' }, 'Search your files and public notes'),
    searchInput,
    h('button', { type: 'submit', class: 'button' }, 'Search'),
  );
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = searchInput.value.trim();
    // An empty search lists the newest files.
    location.hash = hrefOf({ name: 'search', query: q });
  });
  const addFiles = (list: FileList): void => {
    const choice = searchable.take();
    if (choice instanceof Error) return; // the message is shown next to the fields; nothing is added
    files.add(list, choice);
  };
  const picker = h('label', { for: 'file-input', class: 'button button-primary' }, 'Add files');
  const list = h('ul', { class: 'file-list', 'data-testid': 'file-list', 'aria-label': 'Your files' });
  const empty = h('p', { class: 'empty' }, 'No files yet. Add photos, documents or anything else: they are encrypted on this device, then stored on the relay tree.');
  const count = h('p', { class: 'file-count', 'aria-live': 'polite' });
  const drop = h('div', { class: 'dropzone' }, input, picker, h('p', { class: 'dropzone-hint' }, 'or drop files here'));
  const element = h(
    'section',
    { class: 'view view-files', 'aria-labelledby': 'files-title' },
    h('div', { class: 'files-head' }, h('h1', { id: 'files-title' }, 'Your files'), searchForm),
    drop,
    searchable.element,
    count,
    empty,
    list,
  );

  const rows = new Map<string, RowParts>();
  const render = (id: string): void => {
    const f = files.get(id);
    const parts = rows.get(id);
    if (!f) {
      parts?.row.remove();
      rows.delete(id);
    } else if (parts) {
      updateRow(parts, f, actions, canRetry(f));
    } else {
      const created = createRow(f);
      rows.set(id, created);
      updateRow(created, f, actions, canRetry(f));
      list.prepend(created.row);
    }
    const n = rows.size;
    empty.hidden = n > 0;
    setText(count, n === 0 ? '' : `${n} file${n === 1 ? '' : 's'}`);
  };
  files.addEventListener('change', (event) => render((event as CustomEvent<string>).detail));
  for (const f of files.list()) render(f.id);
  empty.hidden = rows.size > 0;

  input.addEventListener('change', () => {
    if (input.files && input.files.length > 0) addFiles(input.files);
    input.value = ''; // the same file can be picked again
  });

  // Drag and drop onto the whole section.
  let depth = 0;
  element.addEventListener('dragenter', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    depth++;
    drop.classList.add('dropzone-active');
  });
  element.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  element.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) drop.classList.remove('dropzone-active');
  });
  element.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    drop.classList.remove('dropzone-active');
    const dropped = e.dataTransfer?.files;
    if (dropped && dropped.length > 0) addFiles(dropped);
  });

  return { element };
}
