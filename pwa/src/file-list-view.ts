// The file picker, drop zone and the list of `[data-testid=file-row]` elements, updated in place per file.
import { formatBytes, groupHex } from './format.ts';
import { h, setAttrs, setText } from './dom.ts';
import type { LocalFile, FileStatus, LocalFiles } from './local-files.ts';

const STATUS_LABEL: Record<FileStatus, string> = {
  local: 'On this device',
  queued: 'Waiting for a relay',
  uploading: 'Uploading',
  stored: 'Stored on the tree',
  error: 'Problem',
};

interface RowParts {
  readonly row: HTMLLIElement;
  readonly meta: HTMLElement;
  readonly hash: HTMLElement;
  readonly progress: HTMLProgressElement;
  readonly badge: HTMLElement;
}

function metaText(f: LocalFile): string {
  return [formatBytes(f.size), f.type || 'unknown type'].join(' · ');
}

function createRow(f: LocalFile, onRemove: (key: string) => void): RowParts {
  const meta = h('span', { class: 'file-meta' });
  const hash = h('span', { class: 'file-hash' });
  const progress = h('progress', { class: 'file-progress', max: 1, value: 0, 'aria-label': `Hashing ${f.name}` });
  const badge = h('span', { class: 'badge' });
  const remove = h('button', { type: 'button', class: 'icon-button', 'aria-label': `Remove ${f.name} from this list` }, '×');
  remove.addEventListener('click', () => onRemove(f.key));
  const row = h(
    'li',
    { class: 'file-row', 'data-testid': 'file-row', 'data-key': f.key },
    h('span', { class: `file-icon file-icon-${kindOf(f.type)}`, 'aria-hidden': 'true' }, extensionOf(f.name)),
    h('span', { class: 'file-main' }, h('span', { class: 'file-name' }, f.name), meta, hash, progress),
    badge,
    remove,
  );
  return { row, meta, hash, progress, badge };
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

function updateRow(parts: RowParts, f: LocalFile): void {
  setAttrs(parts.row, {
    'data-name': f.name,
    'data-status': f.status,
    'data-sha256': f.sha256,
    'data-capability': f.capability,
  });
  setText(parts.meta, metaText(f));
  const hashing = f.sha256 === null && f.status !== 'error';
  parts.progress.hidden = !hashing;
  parts.progress.value = f.size === 0 ? 0 : f.bytesHashed / f.size;
  if (f.error) setText(parts.hash, f.error);
  else if (f.sha256) setText(parts.hash, `SHA-256 ${groupHex(f.sha256)}…`);
  else setText(parts.hash, `Hashing… ${f.size === 0 ? '' : `${Math.floor((100 * f.bytesHashed) / f.size)}%`}`);
  setAttrs(parts.hash, { title: f.sha256 ?? null });
  setText(parts.badge, STATUS_LABEL[f.status]);
  parts.badge.className = `badge badge-${f.status}`;
}

export interface FileListView {
  readonly element: HTMLElement;
}

/** Builds the "Your files" section and keeps it in sync with `files`. */
export function createFileListView(files: LocalFiles): FileListView {
  const input = h('input', { id: 'file-input', class: 'visually-hidden', type: 'file', multiple: true, 'data-testid': 'file-input' });
  const picker = h('label', { for: 'file-input', class: 'button button-primary' }, 'Add files');
  const list = h('ul', { class: 'file-list', 'data-testid': 'file-list', 'aria-label': 'Your files' });
  const empty = h('p', { class: 'empty' }, 'No files yet. Add photos, documents or anything else: they are hashed on this device first.');
  const count = h('p', { class: 'file-count', 'aria-live': 'polite' });
  const drop = h(
    'div',
    { class: 'dropzone' },
    input,
    picker,
    h('p', { class: 'dropzone-hint' }, 'or drop files here'),
  );
  const element = h(
    'section',
    { class: 'view view-files', 'aria-labelledby': 'files-title' },
    h('h1', { id: 'files-title' }, 'Your files'),
    drop,
    h('p', { class: 'note' }, 'Sending files to the relay tree is coming next. For now they are checked and fingerprinted here, and nothing leaves this device.'),
    count,
    empty,
    list,
  );

  const rows = new Map<string, RowParts>();
  const render = (key: string): void => {
    const f = files.get(key);
    const parts = rows.get(key);
    if (!f) {
      parts?.row.remove();
      rows.delete(key);
    } else if (parts) {
      updateRow(parts, f);
    } else {
      const created = createRow(f, (k) => files.remove(k));
      rows.set(key, created);
      updateRow(created, f);
      list.prepend(created.row);
    }
    const n = rows.size;
    empty.hidden = n > 0;
    setText(count, n === 0 ? '' : `${n} file${n === 1 ? '' : 's'}`);
  };
  files.addEventListener('change', (event) => render((event as CustomEvent<string>).detail));
  for (const f of files.list()) render(f.key);
  empty.hidden = rows.size > 0;

  input.addEventListener('change', () => {
    if (input.files && input.files.length > 0) files.add(input.files);
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
    if (dropped && dropped.length > 0) files.add(dropped);
  });

  return { element };
}
