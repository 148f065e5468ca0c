// One file as a `[data-testid=file-row]`: a list row for documents, a tile with its thumbnail for photos and
// videos; the same attributes, status line, progress and actions in both, updated in place.
import { h, setAttrs, setText } from '../ui/dom.ts';
import { formatBytes, groupHex } from '../ui/format.ts';
import type { FileState } from '../state/file-store.ts';
import { openDeleteDialog } from '../ui/delete-dialog.ts';
import { openShareDialog } from '../ui/share-dialog.ts';
import type { ThumbLoader } from './thumb-loader.ts';
import type { Selection } from './selection.ts';
import { onLongPress } from './long-press.ts';

export interface FileActions {
  /** `release`: also send signed releases of this device's pins to the relays. */
  remove(id: string, release: boolean): void;
  retry(id: string): void;
  download(id: string): void;
  /** Stops an upload that has not finished and releases whatever relays already pinned. */
  cancel(id: string): void;
  /** The person renamed the file or changed its note (saved to the library, see Library.edit). */
  edit(id: string, change: { name: string; note: string }): void;
}

export interface RowParts {
  readonly row: HTMLLIElement;
  readonly variant: 'doc' | 'tile';
  /** The name, a button that opens the rename and note dialog. */
  readonly name: HTMLButtonElement;
  readonly note: HTMLElement;
  readonly meta: HTMLElement;
  readonly detail: HTMLElement;
  readonly progress: HTMLProgressElement;
  readonly badge: HTMLElement;
  readonly actions: HTMLElement;
  readonly thumb: HTMLElement | null;
  /** The select-mode checkbox and the label around it (hidden outside select mode). */
  readonly select: HTMLInputElement;
  readonly selectBox: HTMLElement;
  lastActionsKey: string;
  lastThumb: string;
}

/** A coarse kind for the icon colour (no emoji: they depend on fonts the device may not have). */
export function kindOf(type: string): string {
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf' || type.startsWith('text/')) return 'doc';
  return 'other';
}

/** Up to four characters of the file's extension, shown in its icon ("JPG", "PDF"); "FILE" when none. */
export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,4})$/.exec(name);
  return m ? m[1]!.toUpperCase() : 'FILE';
}

export function typeIcon(f: { name: string; type: string }): HTMLElement {
  return h('span', { class: `file-icon file-icon-${kindOf(f.type)}`, 'aria-hidden': 'true' }, extensionOf(f.name));
}

export function createRow(
  f: FileState,
  variant: 'doc' | 'tile',
  onView: (id: string) => void,
  onEdit: (id: string) => void,
  selection: Selection,
): RowParts {
  // The name itself opens the rename dialog: no extra action button (a tile has no room for one more).
  const name = h(
    'button',
    {
      type: 'button',
      class: 'file-name file-name-button',
      title: `${f.name} (rename or add a note)`,
      'aria-label': `Rename ${f.name} or add a note`,
      'data-testid': 'file-rename',
    },
    f.name,
  );
  name.addEventListener('click', () => onEdit(f.id));
  const note = h('span', { class: 'file-note', 'data-testid': 'file-note-text', hidden: true });
  const meta = h('span', { class: 'file-meta' });
  const detail = h('span', { class: 'file-detail', 'data-testid': 'file-detail' });
  const progress = h('progress', {
    class: 'file-progress',
    max: 1,
    value: 0,
    'aria-label': `Progress of ${f.name}`,
    'data-testid': 'file-progress',
  });
  const badge = h('span', { class: 'badge', 'data-testid': 'file-badge' });
  const actions = h('span', { class: 'file-actions' });
  const main = h('span', { class: 'file-main' }, name, note, meta, detail, progress);
  const select = h('input', {
    type: 'checkbox',
    class: 'file-select-input',
    'aria-label': `Select ${f.name}`,
    'data-testid': 'file-select',
  });
  select.addEventListener('change', () => selection.set(f.id, select.checked));
  const selectBox = h('label', { class: 'file-select', hidden: true }, select);
  const common = { variant, name, note, meta, detail, progress, badge, actions, select, selectBox };
  if (variant === 'doc') {
    const row = h(
      'li',
      { class: 'file-row', 'data-testid': 'file-row', 'data-key': f.id },
      h('span', { class: 'file-lead' }, selectBox, typeIcon(f)),
      main,
      badge,
      actions,
    );
    onLongPress(row, () => selection.start(f.id));
    return { ...common, row, thumb: null, lastActionsKey: '', lastThumb: '' };
  }
  const thumb = h(
    'button',
    { type: 'button', class: 'tile-thumb', 'aria-label': `View ${f.name}`, 'data-testid': 'file-view' },
    typeIcon(f),
  );
  // In select mode a tap on the picture selects it (the viewer opens only outside select mode).
  thumb.addEventListener('click', () => (selection.active ? selection.toggle(f.id) : onView(f.id)));
  const row = h(
    'li',
    { class: 'file-row file-tile', 'data-testid': 'file-row', 'data-key': f.id, 'data-thumb': 'none' },
    thumb,
    selectBox,
    main,
    badge,
    actions,
  );
  onLongPress(row, () => selection.start(f.id));
  return { ...common, row, thumb, lastActionsKey: '', lastThumb: '' };
}

/** Shows select mode and whether this file is selected. */
export function renderSelected(parts: RowParts, selection: Selection): void {
  const id = parts.row.dataset.key ?? '';
  const on = selection.has(id);
  parts.selectBox.hidden = !selection.active;
  parts.select.checked = on;
  setAttrs(parts.row, { 'data-selected': selection.active ? String(on) : null });
}

function button(label: string, aria: string, onClick: () => void, testid: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'link-button', 'aria-label': aria, 'data-testid': testid }, label);
  b.addEventListener('click', onClick);
  return b;
}

function renderActions(parts: RowParts, f: FileState, actions: FileActions): void {
  const canRetry = f.canRetry;
  const key = `${f.status}|${f.capability ?? ''}|${canRetry}|${f.memoryError ?? ''}|${f.cancellable}`;
  if (key === parts.lastActionsKey) return;
  parts.lastActionsKey = key;
  const items: HTMLElement[] = [];
  if (f.status === 'stored' && f.capability) {
    items.push(
      h(
        'a',
        {
          class: 'link-button',
          href: `#/open/${encodeURIComponent(f.capability)}`,
          'aria-label': `Open ${f.name}`,
          'data-testid': 'file-open',
        },
        'Open',
      ),
    );
    items.push(button('Share', `Share ${f.name}`, () => openShareDialog(f.name, f.capability!), 'file-share'));
  }
  if (f.capability) items.push(button('Download', `Download ${f.name}`, () => actions.download(f.id), 'file-download'));
  if (f.status === 'error' && canRetry)
    items.push(button('Retry', `Retry ${f.name}`, () => actions.retry(f.id), 'file-retry'));
  else if (f.memoryError && canRetry)
    items.push(
      button('Retry search entry', `Make ${f.name} findable again`, () => actions.retry(f.id), 'file-retry-memory'),
    );
  if (f.cancellable) {
    items.push(button('Cancel', `Cancel the upload of ${f.name}`, () => actions.cancel(f.id), 'file-cancel'));
  } else {
    items.push(
      button(
        'Delete',
        `Delete ${f.name} from this device`,
        () => openDeleteDialog(f, (release) => actions.remove(f.id, release)),
        'file-delete',
      ),
    );
  }
  parts.actions.replaceChildren(...items);
}

/** Shows the grid thumbnail once it is decrypted (lazy: only rows in the DOM ask for theirs). */
function renderThumb(parts: RowParts, f: FileState, thumbs: ThumbLoader): void {
  if (!parts.thumb) return;
  const cap = f.thumbs?.grid ?? '';
  if (cap === parts.lastThumb) return;
  parts.lastThumb = cap;
  if (!cap) {
    parts.thumb.replaceChildren(typeIcon(f));
    setAttrs(parts.row, { 'data-thumb': 'none' });
    return;
  }
  setAttrs(parts.row, { 'data-thumb': 'loading' });
  thumbs.url(cap, 'grid').then(
    (url) => {
      if (parts.lastThumb !== cap) return;
      const img = h('img', { class: 'tile-img', src: url, alt: '', 'data-testid': 'file-thumb', decoding: 'async' });
      img.addEventListener('load', () => setAttrs(parts.row, { 'data-thumb': 'shown' }), { once: true });
      img.addEventListener('error', () => setAttrs(parts.row, { 'data-thumb': 'failed' }), { once: true });
      parts.thumb!.replaceChildren(img);
    },
    () => {
      // Not on a relay yet (another device is still uploading it), or unreachable: the icon stays; try later.
      if (parts.lastThumb === cap) parts.lastThumb = '';
      setAttrs(parts.row, { 'data-thumb': 'failed' });
    },
  );
}

/** Renders the file's derived state (state/derive-file-state.ts) into its row; nothing is computed here. */
export function updateRow(parts: RowParts, f: FileState, actions: FileActions, thumbs: ThumbLoader): void {
  const findable = f.findable;
  setText(parts.name, f.name);
  setAttrs(parts.name, {
    title: `${f.name}${f.note ? ` — ${f.note}` : ''} (rename or add a note)`,
    'aria-label': `Rename ${f.name} or add a note`,
  });
  setText(parts.note, f.note ?? '');
  setAttrs(parts.select, { 'aria-label': `Select ${f.name}` });
  parts.note.hidden = !f.note;
  if (parts.thumb) setAttrs(parts.thumb, { 'aria-label': `View ${f.name}` });
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
    'data-taken': f.taken ?? null,
    'data-note': f.note || null,
  });
  setText(
    parts.meta,
    [
      formatBytes(f.size),
      f.type || 'unknown type',
      f.fileHash ? `fingerprint ${groupHex(f.fileHash, 2)}…` : null,
      findable === 'findable'
        ? 'findable by search'
        : findable === 'waiting'
          ? 'findable once stored'
          : findable === 'refused'
            ? `not findable: ${f.memoryError}`
            : null,
    ]
      .filter(Boolean)
      .join(' · '),
  );
  setText(parts.detail, f.statusText);
  const p = f.progress;
  parts.progress.hidden = !p;
  if (p) parts.progress.value = p.total === 0 ? 0 : p.done / p.total;
  setText(parts.badge, f.badge);
  parts.badge.className = `badge badge-${f.status}`;
  renderActions(parts, f, actions);
  renderThumb(parts, f, thumbs);
}
