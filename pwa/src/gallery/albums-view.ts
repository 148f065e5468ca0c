// The albums screen (#/albums): the person's albums and the S3 gateway's buckets as cards; one album
// (#/albums/ID) as a grid of its files with "Remove from album"; one bucket (#/buckets/NAME) as the read-only
// list of the keys it names, each opening its file.
import { albumMembers, type LibraryAlbum } from '../../../core/library/albums.ts';
import type { LibraryCollection } from '../../../core/library/collections.ts';
import { h } from '../ui/dom.ts';
import { formatBytes } from '../ui/format.ts';
import type { FileState, FileStore } from '../state/file-store.ts';
import type { AlbumStore } from './album-store.ts';
import { openRenameAlbumDialog } from './album-dialog.ts';
import { typeIcon } from './file-row.ts';
import type { ThumbLoader } from './thumb-loader.ts';

export interface AlbumsViewDeps {
  readonly albums: AlbumStore;
  readonly files: FileStore;
  readonly thumbs: ThumbLoader;
  /** Opens the viewer on `id`, stepping through `order`. */
  readonly view: (id: string, order: readonly string[]) => void;
}

export interface AlbumsView {
  readonly element: HTMLElement;
  /** Shows the list, one album or one bucket (from the route); hide() stops redrawing while away. */
  show(what: { album?: string; bucket?: string }): void;
  hide(): void;
}

const openHref = (cap: string): string => `#/open/${encodeURIComponent(cap)}`;

/** The picture of a file: its grid thumbnail once decrypted, its type icon until then (or for no picture). */
function picture(f: FileState | undefined, thumbs: ThumbLoader): HTMLElement {
  const box = h('span', { class: 'album-picture' }, f ? typeIcon(f) : h('span', { class: 'file-icon' }, 'FILE'));
  const cap = f?.thumbs?.grid;
  if (cap)
    thumbs.url(cap, 'grid').then(
      (url) => box.replaceChildren(h('img', { class: 'tile-img', src: url, alt: '', decoding: 'async' })),
      () => {}, // not on a relay yet: the icon stays
    );
  return box;
}

function card(
  href: string,
  kind: 'album' | 'bucket',
  name: string,
  count: number,
  cover: HTMLElement,
  label: string,
): HTMLElement {
  return h(
    'li',
    {},
    h(
      'a',
      {
        class: 'album-card',
        href,
        'data-testid': 'album-card',
        'data-kind': kind,
        'data-name': name,
        'data-count': count,
      },
      cover,
      h('span', { class: 'album-card-name' }, name || 'Untitled album'),
      h('span', { class: 'album-card-meta' }, `${label} · ${count} ${count === 1 ? 'file' : 'files'}`),
    ),
  );
}

export function createAlbumsView(deps: AlbumsViewDeps): AlbumsView {
  const element = h('section', { class: 'view view-albums', 'aria-labelledby': 'albums-title', hidden: true });
  let current: { album?: string; bucket?: string } = {};
  let visible = false;
  let frame = 0;

  const byCap = (): Map<string, FileState> =>
    new Map(
      deps.files
        .list()
        .filter((f) => f.capability)
        .map((f) => [f.capability!, f]),
    );

  const back = (): HTMLElement =>
    h('a', { class: 'link-button album-back', href: '#/albums', 'data-testid': 'album-back' }, '‹ All albums');

  const renderList = (): HTMLElement[] => {
    const files = byCap();
    const albums = deps.albums.list();
    const buckets = deps.albums.buckets();
    const cover = (caps: readonly string[]): HTMLElement =>
      picture(caps.map((c) => files.get(c)).find((f) => f?.thumbs) ?? files.get(caps[0] ?? ''), deps.thumbs);
    return [
      h('h1', { id: 'albums-title' }, 'Albums'),
      albums.length === 0
        ? h(
            'p',
            { class: 'empty', 'data-testid': 'albums-empty' },
            'No albums yet. In Your files, choose Select, pick photos or other files, then Add to album. Albums are saved with your file list, so your other devices show them too.',
          )
        : h(
            'ul',
            { class: 'album-list', 'data-testid': 'album-list' },
            ...albums.map((a) => {
              const caps = albumMembers(a);
              return card(`#/albums/${a.id}`, 'album', a.name, caps.length, cover(caps), 'Album');
            }),
          ),
      ...(buckets.length === 0
        ? []
        : [
            h('h2', {}, 'S3 buckets'),
            h(
              'p',
              { class: 'note' },
              'Files stored through the S3 gateway, by bucket. They change through the gateway, not here.',
            ),
            h(
              'ul',
              { class: 'album-list', 'data-testid': 'bucket-list' },
              ...buckets.map((b) =>
                card(
                  `#/buckets/${encodeURIComponent(b.name)}`,
                  'bucket',
                  b.name,
                  b.items.length,
                  cover(b.items.map((i) => i.cap)),
                  'S3 bucket',
                ),
              ),
            ),
          ]),
    ];
  };

  const renderAlbum = (a: LibraryAlbum): HTMLElement[] => {
    const files = byCap();
    const caps = albumMembers(a);
    const shown = caps.map((c) => files.get(c));
    const order = shown.filter((f): f is FileState => f !== undefined && f.thumbs !== undefined).map((f) => f.id);
    const rename = h('button', { type: 'button', class: 'button', 'data-testid': 'album-rename' }, 'Rename');
    rename.addEventListener('click', () =>
      openRenameAlbumDialog(a.name, (name) => void deps.albums.rename(a.id, name)),
    );
    const remove = h(
      'button',
      { type: 'button', class: 'button button-danger', 'data-testid': 'album-delete' },
      'Delete album',
    );
    remove.addEventListener('click', () => {
      // The files stay in Your files: only the album goes, so a plain confirm is enough.
      if (confirm(`Delete the album ${a.name}? Its files stay in Your files.`)) {
        void deps.albums.delete(a.id);
        location.hash = '#/albums';
      }
    });
    const items = caps.map((cap, i) => {
      const f = shown[i];
      const name = f?.name ?? 'Not on this device yet';
      const view = h(
        'button',
        { type: 'button', class: 'tile-thumb', 'aria-label': `View ${name}` },
        picture(f, deps.thumbs),
      );
      view.addEventListener('click', () => {
        if (f && f.thumbs) deps.view(f.id, order);
        else location.hash = openHref(cap);
      });
      const out = h(
        'button',
        {
          type: 'button',
          class: 'link-button',
          'aria-label': `Remove ${name} from this album`,
          'data-testid': 'album-item-remove',
        },
        'Remove',
      );
      out.addEventListener('click', () => void deps.albums.remove(a.id, [cap]));
      return h(
        'li',
        { class: 'album-item', 'data-testid': 'album-item', 'data-name': f?.name ?? null, 'data-cap': cap },
        view,
        h('span', { class: 'album-item-name' }, name),
        h(
          'span',
          { class: 'album-item-actions' },
          h('a', { class: 'link-button', href: openHref(cap), 'aria-label': `Open ${name}` }, 'Open'),
          out,
        ),
      );
    });
    return [
      back(),
      h('h1', { id: 'albums-title', 'data-testid': 'album-title' }, a.name || 'Untitled album'),
      h('p', { class: 'note' }, `${caps.length} ${caps.length === 1 ? 'file' : 'files'}`),
      h('div', { class: 'dialog-actions' }, rename, remove),
      caps.length === 0
        ? h('p', { class: 'empty' }, 'This album is empty. Add files to it from Your files with Select.')
        : h('ul', { class: 'album-items', 'data-testid': 'album-items' }, ...items),
    ];
  };

  const renderBucket = (b: LibraryCollection): HTMLElement[] => {
    const files = byCap();
    return [
      back(),
      h('h1', { id: 'albums-title', 'data-testid': 'bucket-title' }, b.name),
      h(
        'p',
        { class: 'note' },
        `S3 bucket · ${b.items.length} ${b.items.length === 1 ? 'file' : 'files'} · read-only here`,
      ),
      h(
        'ul',
        { class: 'bucket-items' },
        ...b.items.map((item) => {
          const f = files.get(item.cap);
          return h(
            'li',
            { class: 'bucket-item', 'data-testid': 'bucket-item', 'data-key': item.key, 'data-cap': item.cap },
            f ? typeIcon(f) : h('span', { class: 'file-icon', 'aria-hidden': 'true' }, 'FILE'),
            h(
              'span',
              { class: 'file-main' },
              h('span', { class: 'file-name' }, item.key),
              h('span', { class: 'file-meta' }, f ? `${formatBytes(f.size)} · ${f.type || 'unknown type'}` : ''),
            ),
            h('a', { class: 'link-button', href: openHref(item.cap), 'aria-label': `Open ${item.key}` }, 'Open'),
          );
        }),
      ),
    ];
  };

  const render = (): void => {
    frame = 0;
    if (!visible) return;
    if (current.album !== undefined) {
      const a = deps.albums.get(current.album);
      element.replaceChildren(
        ...(a
          ? renderAlbum(a)
          : [
              back(),
              h('h1', { id: 'albums-title' }, 'Album not found'),
              h('p', {}, 'It was deleted, or it has not reached this device yet.'),
            ]),
      );
    } else if (current.bucket !== undefined) {
      const b = deps.albums.buckets().find((x) => x.name === current.bucket);
      element.replaceChildren(
        ...(b
          ? renderBucket(b)
          : [
              back(),
              h('h1', { id: 'albums-title' }, 'Bucket not found'),
              h('p', {}, 'The S3 gateway lists no bucket of this name in your library.'),
            ]),
      );
    } else element.replaceChildren(...renderList());
    element.dataset.kind = current.album !== undefined ? 'album' : current.bucket !== undefined ? 'bucket' : 'list';
  };
  const schedule = (): void => {
    if (visible && frame === 0) frame = requestAnimationFrame(render);
  };
  deps.albums.addEventListener('change', schedule);
  // A file still uploading has no link yet, so it is in no album or bucket: its progress ticks change nothing here.
  deps.files.subscribe((id) => {
    if (deps.files.get(id)?.capability !== null) schedule();
  });

  return {
    element,
    show(what) {
      current = what;
      visible = true;
      render();
    },
    hide() {
      visible = false;
    },
  };
}
