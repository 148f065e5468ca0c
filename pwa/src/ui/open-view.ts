// "#/open/CAPABILITY": fetch through the relay (or this device's cache), verify, decrypt here, preview, download.
import { toPeerTreeError } from '../../../core/errors.ts';
import type { Manifest } from '../../../core/storage/manifest.ts';
import type { ShardTransport } from '../../../core/storage/shard-transport.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import { h, setAttrs, setText } from './dom.ts';
import { formatBytes } from './format.ts';
import { downloadBlob, type OpenedFile } from '../sync/open-file.ts';
import { startDownload, type DownloadTask } from '../media/download-task.ts';
import { progressLine } from '../state/progress-figures.ts';
import { openFile } from '../../../core/storage/get-file.ts';
import { detailsBox, downloadProblem, openProblem } from './plain-words.ts';

/** Text previews show at most this much (the download has everything). */
const TEXT_PREVIEW_BYTES = 256 * 1024;

export interface OpenViewDeps {
  /** Reads through this device's cache, then the app's relays, then `via` (relays the link names), in turn. */
  readonly transport: (via: readonly string[]) => ShardTransport;
  /** Keeps the opened file on this device's list (its shards are cached already). */
  readonly remember: (capability: string, opened: OpenedFile) => Promise<void>;
  /** Relay base URL for streaming public media with range requests. */
  readonly relayUrl: () => string;
  /**
   * A same-origin URL the service worker streams this capability from (Range requests answered by decrypting
   * only the shards asked for), or null when no service worker controls the page.
   */
  readonly stream?: (capability: string) => Promise<string | null>;
  /** The shard cache the transport writes to: what a cancelled fetch put there is deleted again. */
  readonly cache?: Pick<ShardStore, 'has' | 'delete'>;
  /** The asset's owner and history from the ledger, shown under the file. */
  readonly ledger?: { readonly element: HTMLElement; show(capability: string): void };
}

export interface OpenView {
  readonly element: HTMLElement;
  show(capability: string, via?: readonly string[]): void;
}

function isTextual(type: string): boolean {
  return type.startsWith('text/') || /^application\/(json|xml|javascript|x-ndjson|yaml)$/.test(type);
}

export function createOpenView(deps: OpenViewDeps): OpenView {
  const code = h('code', { class: 'capability', 'data-testid': 'open-capability' });
  const title = h('h1', { id: 'open-title' }, 'Open a shared file');
  const status = h('p', { class: 'open-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'open-status' });
  const progress = h('progress', { class: 'file-progress', max: 1, value: 0, 'aria-label': 'Fetching the file' });
  // While fetching: "45% · 3.2 MiB/s · about 12 s left" and Cancel (nothing is kept after a cancel).
  const figures = h('span', { class: 'open-figures', 'data-testid': 'open-progress' });
  const cancel = h('button', { type: 'button', class: 'button', 'data-testid': 'open-cancel' }, 'Cancel');
  const fetching = h('div', { class: 'open-fetching', hidden: true }, figures, cancel);
  let task: DownloadTask | null = null;
  cancel.addEventListener('click', () => task?.cancel());
  const meta = h('p', { class: 'file-meta' });
  const preview = h('div', { class: 'preview', 'data-testid': 'preview' });
  const actions = h('div', { class: 'open-actions' });
  const problem = detailsBox('open-error-details');
  const element = h(
    'section',
    { class: 'view view-open', 'aria-labelledby': 'open-title', 'data-testid': 'open-view', 'data-state': 'idle' },
    title,
    status,
    problem.element,
    progress,
    fetching,
    meta,
    preview,
    actions,
    deps.ledger?.element ?? null,
    h(
      'details',
      { class: 'capability-details' },
      h('summary', {}, 'Link details'),
      h('p', { class: 'capability-line' }, code),
    ),
    h('p', {}, h('a', { href: '#/', class: 'button' }, 'Back to your files')),
  );

  let generation = 0;
  let objectUrl: string | null = null;
  const reset = (): void => {
    task?.cancel();
    task = null;
    fetching.hidden = true;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    preview.replaceChildren();
    actions.replaceChildren();
    problem.show(null);
    setText(meta, '');
  };

  const showPreview = (opened: OpenedFile, capability: string, url: string): void => {
    const m = opened.manifest;
    const type = m.type;
    const label = `Preview of ${m.name}`;
    if (type.startsWith('image/')) {
      preview.append(h('img', { src: url, alt: label, 'data-kind': 'image' }));
    } else if (type.startsWith('video/')) {
      // Public files stream from the relay with range requests; encrypted ones play from the decrypted copy.
      const src = m.enc === null ? new URL(`/api/files/${capability}`, deps.relayUrl()).href : url;
      preview.append(
        h('video', { src, controls: true, preload: 'metadata', 'aria-label': label, 'data-kind': 'video' }),
      );
    } else if (type.startsWith('audio/')) {
      preview.append(h('audio', { src: url, controls: true, 'aria-label': label, 'data-kind': 'audio' }));
    } else if (type === 'application/pdf') {
      preview.append(h('iframe', { src: url, title: label, class: 'preview-pdf', 'data-kind': 'pdf' }));
    } else if (isTextual(type)) {
      const pre = h('pre', { class: 'preview-text', 'data-kind': 'text', tabindex: 0, 'aria-label': label });
      preview.append(pre);
      void opened.blob
        .slice(0, TEXT_PREVIEW_BYTES)
        .text()
        .then((text) => setText(pre, m.size > TEXT_PREVIEW_BYTES ? `${text}\n…` : text));
    } else {
      preview.append(
        h('p', { class: 'note', 'data-kind': 'none' }, `No preview for ${type}. The download has the exact bytes.`),
      );
    }
  };

  const showManifest = (m: Manifest): void => {
    setText(title, m.name);
    setText(meta, [formatBytes(m.size), m.type, m.enc ? 'encrypted: decrypted on this device' : 'public'].join(' · '));
  };

  async function open(capability: string, via: readonly string[]): Promise<void> {
    const mine = ++generation;
    reset();
    setText(title, 'Open a shared file');
    setText(code, capability);
    setAttrs(element, { 'data-state': 'loading', 'data-streamed': null });
    setText(status, 'Fetching and checking…');
    progress.hidden = false;
    progress.value = 0;
    // The ledger is read next to the file, not after it: it needs only the manifest hash in the link.
    deps.ledger?.show(capability);
    try {
      // The streaming check below reads the manifest: after a cancel it goes too, unless it was here before.
      const manifestHash = capability.split('.')[1] ?? '';
      const hadManifest = (await deps.cache?.has(manifestHash).catch(() => true)) ?? true;
      if (await streamed(capability, mine, via)) return;
      const current = startDownload(capability, deps.transport(via), {
        onProgress: (f, done, total) => {
          if (mine !== generation) return;
          progress.value = total === 0 ? 1 : done / total;
          setText(figures, `Fetching ${progressLine(f)}`);
          setAttrs(fetching, { 'data-percent': f.percent });
        },
        onManifest: (m) => {
          if (mine === generation) showManifest(m);
        },
        ...(deps.cache ? { cache: deps.cache, alsoForget: hadManifest ? [] : [manifestHash] } : {}),
      });
      task = current;
      setText(figures, 'Fetching…');
      fetching.hidden = false;
      let opened: OpenedFile;
      try {
        opened = await current.done;
      } catch (err) {
        if (mine === generation && current.cancelled) {
          fetching.hidden = true;
          progress.hidden = true;
          setAttrs(element, { 'data-state': 'cancelled' });
          setText(status, 'Stopped. Nothing of this file was saved on this device.');
          const again = h('button', { type: 'button', class: 'button', 'data-testid': 'open-retry' }, 'Fetch again');
          again.addEventListener('click', () => void open(capability, via));
          actions.append(again);
          return;
        }
        throw err;
      } finally {
        if (task === current) task = null;
      }
      if (mine !== generation) return;
      fetching.hidden = true;
      showManifest(opened.manifest);
      objectUrl = URL.createObjectURL(opened.blob);
      showPreview(opened, capability, objectUrl);
      const download = h(
        'a',
        { class: 'button button-primary', href: objectUrl, download: opened.manifest.name, 'data-testid': 'download' },
        'Download',
      );
      actions.append(download);
      progress.hidden = true;
      setText(status, 'Every piece matched its fingerprint. This copy is kept on this device for offline use.');
      setAttrs(element, {
        'data-state': 'ready',
        'data-name': opened.manifest.name,
        'data-size': opened.manifest.size,
      });
      await deps.remember(capability, opened).catch(() => {});
    } catch (err) {
      if (mine !== generation) return;
      const e = toPeerTreeError(err);
      progress.hidden = true;
      fetching.hidden = true;
      setAttrs(element, { 'data-state': 'error', 'data-error': e.code });
      const words = openProblem(e);
      setText(status, words.words);
      problem.show(words.details);
      if (words.retry) {
        const retry = h('button', { type: 'button', class: 'button', 'data-testid': 'open-retry' }, 'Try again');
        retry.addEventListener('click', () => void open(capability, via));
        actions.append(retry);
      }
    }
  }

  /**
   * Encrypted video and audio play as they arrive: only the manifest is read here, and the media element's
   * Range requests go to the service worker. Returns false (the whole file is fetched) for anything else.
   */
  async function streamed(capability: string, mine: number, via: readonly string[]): Promise<boolean> {
    if (!deps.stream || capability.split('.').length !== 3) return false;
    const m = (await openFile(capability, deps.transport(via))).manifest;
    if (mine !== generation) return true;
    const kind = m.type.startsWith('video/') ? 'video' : m.type.startsWith('audio/') ? 'audio' : null;
    if (!kind || m.enc === null || m.size === 0) return false;
    const src = await deps.stream(capability);
    if (!src || mine !== generation) return src !== null;
    showManifest(m);
    preview.append(
      h(kind, {
        src,
        controls: true,
        preload: 'metadata',
        'aria-label': `Preview of ${m.name}`,
        'data-kind': kind,
        'data-streamed': 'true',
      }),
    );
    // The download reads the same stream (each shard checked, the whole-file hash at the end) through the
    // service worker: browsers send an <a download> past it, to the relay, which knows no such stream.
    const download = h(
      'button',
      { type: 'button', class: 'button button-primary', 'data-testid': 'download' },
      'Download',
    );
    download.addEventListener('click', () => {
      download.disabled = true;
      setText(status, 'Fetching and checking every piece for the download…');
      fetch(src)
        .then(async (res) => {
          if (!res.ok) throw new Error(`the stream answered ${res.status}`);
          downloadBlob(new Blob([await res.blob()], { type: m.type }), m.name);
          setText(status, 'Every piece matched its fingerprint.');
        })
        .catch((err: unknown) => {
          const words = downloadProblem(m.name, err);
          setText(status, words.words);
          problem.show(words.details);
        })
        .finally(() => (download.disabled = false));
    });
    actions.append(download);
    progress.hidden = true;
    setText(
      status,
      'Plays as it arrives: each piece is fetched when needed, checked against its fingerprint and decrypted on this device.',
    );
    setAttrs(element, { 'data-state': 'ready', 'data-name': m.name, 'data-size': m.size, 'data-streamed': 'true' });
    return true;
  }

  return {
    element,
    show(capability, via = []) {
      void open(capability, via);
    },
  };
}

export function createNotFoundView(): HTMLElement {
  return h(
    'section',
    { class: 'view view-not-found', 'aria-labelledby': 'nf-title', 'data-testid': 'not-found' },
    h('h1', { id: 'nf-title' }, 'Page not found'),
    h('p', {}, 'This address does not lead anywhere in PeerTree.'),
    h('p', {}, h('a', { href: '#/', class: 'button' }, 'Back to your files')),
  );
}
