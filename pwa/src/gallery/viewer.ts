// The full-screen viewer: a photo's screen-size thumbnail (or a video's type icon), arrow keys and swipes to the
// next and previous item, and the file's details one tap away (with the original and its ownership card on
// #/open/CAP).
import { h, setAttrs, setText } from '../ui/dom.ts';
import { formatBytes } from '../ui/format.ts';
import type { FileState } from '../state/file-store.ts';
import { typeIcon } from './file-row.ts';
import type { ThumbLoader } from './thumb-loader.ts';
import { attachZoom } from './zoom-gesture.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import { startDownload, type DownloadTask } from '../media/download-task.ts';
import { progressLine } from '../state/progress-figures.ts';
import { downloadBlob } from '../sync/open-file.ts';

export interface ViewerDeps {
  readonly get: (id: string) => FileState | undefined;
  readonly thumbs: ThumbLoader;
  /** A service-worker stream URL for an encrypted video's capability, or null (see media/stream-register.ts). */
  readonly stream?: (capability: string) => Promise<string | null>;
  /** Where the original is read from for the viewer's Download (absent: no Download button). */
  readonly download?: {
    readonly transport: () => ShardTransport;
    readonly cache?: Pick<ShardStore, 'has' | 'delete'>;
  };
}

export interface Viewer {
  open(id: string, order: readonly string[]): void;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short' });
}

export function createViewer(deps: ViewerDeps): Viewer {
  const stage = h('div', { class: 'viewer-stage', 'data-testid': 'viewer-stage' });
  const title = h('h2', { id: 'viewer-title', class: 'viewer-title' });
  const position = h('span', { class: 'viewer-position', 'aria-live': 'polite' });
  const details = h('dl', { class: 'viewer-details', 'data-testid': 'viewer-details', hidden: true });
  const prev = h(
    'button',
    { type: 'button', class: 'viewer-nav viewer-prev', 'aria-label': 'Previous', 'data-testid': 'viewer-prev' },
    '‹',
  );
  const next = h(
    'button',
    { type: 'button', class: 'viewer-nav viewer-next', 'aria-label': 'Next', 'data-testid': 'viewer-next' },
    '›',
  );
  const info = h(
    'button',
    { type: 'button', class: 'button', 'aria-expanded': 'false', 'data-testid': 'viewer-info' },
    'Details',
  );
  const close = h('button', { type: 'button', class: 'button', 'data-testid': 'viewer-close' }, 'Close');
  // An anchor always has an href (a crawler or a screen reader treats one without it as no link at all).
  const openLink = h(
    'a',
    { class: 'button button-primary', 'data-testid': 'viewer-open', href: '#/', hidden: true },
    'Original and owner',
  );
  // Download the original here, with percent, speed and time left, and Cancel (nothing is saved after it).
  const download = h('button', { type: 'button', class: 'button', 'data-testid': 'viewer-download' }, 'Download');
  const fetchLine = h('span', { class: 'viewer-progress', role: 'status', 'data-testid': 'viewer-progress' });
  const cancel = h(
    'button',
    { type: 'button', class: 'button', 'data-testid': 'viewer-cancel', hidden: true },
    'Cancel',
  );
  let task: DownloadTask | null = null;
  const stopDownload = (): void => {
    task?.cancel();
    task = null;
    cancel.hidden = true;
    download.hidden = !deps.download;
  };
  const dialog = h(
    'dialog',
    { class: 'viewer', 'aria-labelledby': 'viewer-title', 'data-testid': 'viewer' },
    h(
      'div',
      { class: 'viewer-bar' },
      title,
      position,
      h('span', { class: 'viewer-tools' }, fetchLine, cancel, download, info, openLink, close),
    ),
    h('div', { class: 'viewer-body' }, prev, stage, next),
    details,
  );
  // Pinch, ctrl+wheel, drag and double tap on the picture; a swipe at 1× steps to the next item.
  const zoom = attachZoom(stage, (direction) => step(direction));
  let order: readonly string[] = [];
  let index = 0;
  let generation = 0;

  const row = (term: string, value: string): HTMLElement[] => [h('dt', {}, term), h('dd', {}, value)];

  const show = (): void => {
    const id = order[index];
    const f = id === undefined ? undefined : deps.get(id);
    if (!f) return;
    const mine = ++generation;
    zoom.reset();
    stopDownload();
    setText(fetchLine, '');
    download.hidden = !deps.download || !f.capability;
    setText(title, f.name);
    setText(position, `${index + 1} of ${order.length}`);
    setAttrs(dialog, { 'data-id': f.id, 'data-name': f.name, 'data-index': index });
    prev.disabled = index === 0;
    next.disabled = index >= order.length - 1;
    if (f.capability && f.status === 'stored') {
      setAttrs(openLink, { href: `#/open/${encodeURIComponent(f.capability)}`, hidden: false });
    } else setAttrs(openLink, { href: '#/', hidden: true });
    details.replaceChildren(
      ...row('Name', f.name),
      ...row('Type', f.type || 'unknown'),
      ...row('Size', formatBytes(f.size)),
      ...(f.taken ? row('Taken', when(f.taken)) : []),
      ...row('Added', when(f.addedAt)),
      ...row(
        'Stored',
        f.status === 'stored' ? `on ${f.replicas ?? '?'} relay${f.replicas === 1 ? '' : 's'}` : f.status,
      ),
    );
    const cap = f.thumbs?.screen;
    stage.replaceChildren(h('div', { class: 'viewer-icon' }, typeIcon(f)));
    if (
      f.type.startsWith('video/') &&
      f.status === 'stored' &&
      f.capability &&
      f.capability.split('.').length === 3 &&
      deps.stream
    ) {
      // Videos play as they arrive, through the service worker; without one the original is one tap away.
      setAttrs(stage, { 'data-state': 'loading' });
      void deps.stream(f.capability).then((src) => {
        if (mine !== generation) return;
        if (!src) return setAttrs(stage, { 'data-state': 'none' });
        stage.replaceChildren(
          h('video', {
            class: 'viewer-img',
            src,
            controls: true,
            preload: 'metadata',
            'aria-label': f.name,
            'data-testid': 'viewer-video',
          }),
        );
        setAttrs(stage, { 'data-state': 'shown' });
      });
      return;
    }
    setAttrs(stage, { 'data-state': cap ? 'loading' : 'none' });
    if (!cap) return;
    deps.thumbs.url(cap, 'screen').then(
      (url) => {
        if (mine !== generation) return;
        const img = h('img', { class: 'viewer-img', src: url, alt: f.name, 'data-testid': 'viewer-img' });
        img.addEventListener('load', () => setAttrs(stage, { 'data-state': 'shown' }), { once: true });
        stage.replaceChildren(img);
      },
      () => {
        if (mine === generation) setAttrs(stage, { 'data-state': 'failed' });
      },
    );
  };

  const step = (by: number): void => {
    const to = Math.min(order.length - 1, Math.max(0, index + by));
    if (to === index) return;
    index = to;
    show();
  };

  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    stopDownload();
    setText(fetchLine, '');
  });
  cancel.addEventListener('click', () => stopDownload());
  download.addEventListener('click', () => {
    const f = deps.get(order[index] ?? '');
    if (!f?.capability || !deps.download) return;
    const current = startDownload(f.capability, deps.download.transport(), {
      onProgress: (p) => {
        if (task === current) setText(fetchLine, progressLine(p));
      },
      ...(deps.download.cache ? { cache: deps.download.cache } : {}),
    });
    task = current;
    download.hidden = true;
    cancel.hidden = false;
    setText(fetchLine, 'Fetching…');
    current.done.then(
      (opened) => {
        if (task !== current) return;
        task = null;
        downloadBlob(opened.blob, opened.manifest.name);
        setText(fetchLine, 'Downloaded, every piece checked.');
        cancel.hidden = true;
        download.hidden = false;
      },
      () => {
        if (current.cancelled) setText(fetchLine, 'Download stopped. Nothing was saved.');
        else if (task === current) setText(fetchLine, 'The download failed. Try again, or open the original.');
        if (task === current) stopDownload();
      },
    );
  });
  openLink.addEventListener('click', () => dialog.close());
  info.addEventListener('click', () => {
    details.hidden = !details.hidden;
    setAttrs(info, { 'aria-expanded': String(!details.hidden) });
  });
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') step(1);
    else if (e.key === 'ArrowLeft') step(-1);
    else if (!zoom.key(e.key)) return;
    e.preventDefault();
  });
  document.body.append(dialog);

  return {
    open(id, list) {
      order = [...list];
      index = Math.max(0, order.indexOf(id));
      details.hidden = true;
      setAttrs(info, { 'aria-expanded': 'false' });
      show();
      if (!dialog.open) dialog.showModal();
      close.focus();
    },
  };
}
