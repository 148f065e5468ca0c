// The file picker, drop zone, sort and filter, and the files: a virtualized grid of photos and videos grouped
// by day and a list of documents, every file a `[data-testid=file-row]`, updated in place per file.
import { checkContent } from '../../../core/search/memory.ts';
import { toPeerTreeError } from '../../../core/errors.ts';
import { h, setText } from './dom.ts';
import { hrefOf } from './router.ts';
import { parseTags } from '../search/tags.ts';
import type { Library } from '../data/library.ts';
import type { FileStore } from '../state/file-store.ts';
import type { FileActions } from '../gallery/file-row.ts';
import { createGalleryView } from '../gallery/gallery-view.ts';
import type { GalleryFilter, GallerySort } from '../gallery/gallery-layout.ts';
import type { ThumbLoader } from '../gallery/thumb-loader.ts';
import { createViewer, type Viewer, type ViewerDeps } from '../gallery/viewer.ts';
import { Selection } from '../gallery/selection.ts';
import { createSelectBar } from '../gallery/select-bar.ts';
import type { AlbumStore } from '../gallery/album-store.ts';
import { openAddToAlbumDialog } from '../gallery/album-dialog.ts';
import { createUploadSummary } from '../gallery/upload-summary-view.ts';
import { MAX_MEMORY_TEXT } from '../../../core/limits.ts';

export type { FileActions } from '../gallery/file-row.ts';

export interface FileListView {
  readonly element: HTMLElement;
  /** The full-screen viewer (shared with the albums screen: one dialog in the page). */
  readonly viewer: Viewer;
}

/**
 * The opt-in to make the next files findable: off by default (files are encrypted, and a searchable description
 * is public); reset after each add so that it never stays on by accident.
 */
function createSearchableOptions(): {
  element: HTMLElement;
  take(): { description: string; tags: string[] } | null | Error;
} {
  const check = h('input', { type: 'checkbox', id: 'searchable-check', 'data-testid': 'searchable-check' });
  const description = h('textarea', {
    id: 'searchable-description',
    class: 'text-input',
    rows: 2,
    maxlength: MAX_MEMORY_TEXT - 256,
    'data-testid': 'searchable-description',
  });
  const tags = h('input', {
    type: 'text',
    id: 'searchable-tags',
    class: 'text-input',
    autocomplete: 'off',
    'data-testid': 'searchable-tags',
  });
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
    h(
      'label',
      { class: 'check', for: 'searchable-check' },
      check,
      ' Make the name and a description of the next files I add findable by search',
    ),
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

/** Builds the "Your files" section: adds files to the library, and shows what the file store derives. */
export function createFileListView(
  library: Library,
  files: FileStore,
  actions: FileActions,
  thumbs: ThumbLoader,
  stream?: (capability: string) => Promise<string | null>,
  albums?: AlbumStore,
  download?: ViewerDeps['download'],
): FileListView {
  const input = h('input', {
    id: 'file-input',
    class: 'visually-hidden',
    type: 'file',
    multiple: true,
    'data-testid': 'file-input',
  });
  const searchable = createSearchableOptions();
  const searchInput = h('input', {
    type: 'search',
    id: 'files-search-input',
    class: 'text-input',
    autocomplete: 'off',
    placeholder: 'Search your files and public notes',
    'data-testid': 'files-search-input',
  });
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
    library.add(list, choice);
  };
  const picker = h('label', { for: 'file-input', class: 'button button-primary' }, 'Add files');
  const viewer = createViewer({
    get: (id) => files.get(id),
    thumbs,
    ...(stream ? { stream } : {}),
    ...(download ? { download } : {}),
  });
  const selection = new Selection();
  const gallery = createGalleryView({
    files,
    actions,
    thumbs,
    selection,
    view: (id, media) => viewer.open(id, media),
  });
  // Albums hold stored files (by capability): what is not stored yet cannot go in one.
  const albumStatus = h('p', { class: 'note album-status', role: 'status', 'data-testid': 'album-status' });
  const toAlbum = h('button', { type: 'button', class: 'button', 'data-testid': 'select-album' }, 'Add to album');
  toAlbum.addEventListener('click', () => {
    if (!albums) return;
    const caps = selection
      .ids()
      .map((id) => files.get(id))
      .filter((f) => f?.status === 'stored' && f.capability)
      .map((f) => f!.capability!);
    if (caps.length === 0) return;
    openAddToAlbumDialog(caps.length, albums.list(), (choice) => {
      const done =
        'id' in choice ? albums.add(choice.id, caps).then(() => choice.id) : albums.create(choice.name, caps);
      void done.then((id) => {
        const name = albums.get(id)?.name ?? '';
        albumStatus.replaceChildren(
          `Added ${caps.length} file${caps.length === 1 ? '' : 's'} to ${name}. `,
          h('a', { href: `#/albums/${id}`, 'data-testid': 'album-status-open' }, 'Open the album'),
        );
        selection.stop();
      });
    });
  });
  const selectBar = createSelectBar({ files, actions, selection, ...(albums ? { extra: [toAlbum] } : {}) });
  // Select mode from the keyboard (a long press on a file does the same by touch or mouse).
  const selectMode = h(
    'button',
    { type: 'button', class: 'button', 'aria-pressed': 'false', 'data-testid': 'select-mode' },
    'Select',
  );
  selectMode.addEventListener('click', () => (selection.active ? selection.stop() : selection.start()));
  selection.subscribe(() => {
    selectMode.setAttribute('aria-pressed', String(selection.active));
    setText(selectMode, selection.active ? 'Cancel selection' : 'Select');
  });
  const filterSelect = h(
    'select',
    { id: 'files-filter', class: 'select', 'data-testid': 'files-filter' },
    h('option', { value: 'all' }, 'Everything'),
    h('option', { value: 'photos' }, 'Photos'),
    h('option', { value: 'videos' }, 'Videos'),
    h('option', { value: 'documents' }, 'Documents'),
  );
  const sortSelect = h(
    'select',
    { id: 'files-sort', class: 'select', 'data-testid': 'files-sort' },
    h('option', { value: 'newest' }, 'Newest first'),
    h('option', { value: 'oldest' }, 'Oldest first'),
    h('option', { value: 'name' }, 'Name'),
    h('option', { value: 'size' }, 'Largest first'),
  );
  const applyOptions = (): void =>
    gallery.setOptions(filterSelect.value as GalleryFilter, sortSelect.value as GallerySort);
  filterSelect.addEventListener('change', applyOptions);
  sortSelect.addEventListener('change', applyOptions);
  const toolbar = h(
    'div',
    { class: 'files-toolbar' },
    h('label', { for: 'files-filter' }, 'Show'),
    filterSelect,
    h('label', { for: 'files-sort' }, 'Sort'),
    sortSelect,
    selectMode,
  );
  const empty = h(
    'p',
    { class: 'empty' },
    'No files yet. Add photos, documents or anything else: they are encrypted on this device, then stored on the relay tree.',
  );
  const count = h('p', { class: 'file-count', 'aria-live': 'polite' });
  const summary = createUploadSummary(files);
  const drop = h('div', { class: 'dropzone' }, input, picker, h('p', { class: 'dropzone-hint' }, 'or drop files here'));
  const element = h(
    'section',
    { class: 'view view-files', 'aria-labelledby': 'files-title' },
    h('div', { class: 'files-head' }, h('h1', { id: 'files-title' }, 'Your files'), searchForm),
    drop,
    searchable.element,
    toolbar,
    count,
    summary,
    albumStatus,
    selectBar,
    empty,
    gallery.element,
  );
  element.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && selection.active && !(e.target instanceof HTMLDialogElement)) selection.stop();
  });

  const renderCount = (): void => {
    const n = files.list().length;
    empty.hidden = n > 0;
    toolbar.hidden = n === 0;
    const c = gallery.layout().counts;
    const parts = [
      c.photos ? `${c.photos} photo${c.photos === 1 ? '' : 's'}` : '',
      c.videos ? `${c.videos} video${c.videos === 1 ? '' : 's'}` : '',
      c.documents ? `${c.documents} document${c.documents === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    setText(count, n === 0 ? '' : `${n} file${n === 1 ? '' : 's'}: ${parts.join(', ')}`);
  };
  files.subscribe(renderCount);
  renderCount();

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

  return { element, viewer };
}
