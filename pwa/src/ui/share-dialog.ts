// The share dialog: the capability link (naming up to three other relays of the tree, so that it still opens
// when one is down), copy, the Web Share API where present, and a QR code of the link.
import qrcode from 'qrcode-generator';
import { h, setAttrs, setText } from './dom.ts';
import { formatVia } from '../sync/link-relays.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The link that opens a capability in this app served by `base`, naming `via` as the other relays to try. */
export function shareLinkOf(capability: string, base: string = location.origin, via: readonly string[] = []): string {
  const query = formatVia(via.filter((r) => r !== base));
  return `${base}/#/open/${encodeURIComponent(capability)}${query === '' ? '' : `?${query}`}`;
}

/** Other relays of the tree, for the links made here (set once by the app; none until then). */
let otherRelays: () => Promise<string[]> = async () => [];

export function setShareRelays(provider: () => Promise<string[]>): void {
  otherRelays = provider;
}

/** Draws `text` as a QR code: one SVG path, no markup strings. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 4;
  const size = n + quiet * 2;
  let d = '';
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + quiet} ${r + quiet}h1v1h-1z`;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('data-testid', 'share-qr');
  svg.setAttribute('data-modules', String(n));
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

let dialog: HTMLDialogElement | null = null;

/** Opens the (single, reused) share dialog for one file. */
export function openShareDialog(name: string, capability: string): void {
  const base = location.origin;
  let link = shareLinkOf(capability, base);
  dialog?.remove();
  const input = h('input', {
    type: 'text',
    readonly: true,
    value: link,
    class: 'share-link',
    'aria-label': 'Link to this file',
    'data-testid': 'share-link',
    'data-via': 0,
  });
  const hint = h('p', { class: 'share-hint', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button' }, 'Copy link');
  copy.addEventListener('click', () => {
    input.select();
    navigator.clipboard?.writeText(link).then(
      () => setText(hint, 'Copied.'),
      () => setText(hint, 'Could not copy; select the link and copy it yourself.'),
    );
  });
  const buttons = h('div', { class: 'dialog-actions' }, copy);
  if (typeof navigator.share === 'function') {
    const share = h(
      'button',
      { type: 'button', class: 'button button-primary', 'data-testid': 'share-native' },
      'Share…',
    );
    share.addEventListener('click', () => {
      navigator.share({ title: name, text: `${name} on PeerTree`, url: link }).catch(() => {});
    });
    buttons.append(share);
  }
  const close = h('button', { type: 'submit', class: 'button', value: 'close' }, 'Close');
  const encrypted = capability.split('.').length === 3;
  const qrBox = h('div', { class: 'share-qr' }, qrSvg(link, `QR code of the link to ${name}`));
  // The same file through each other relay: what to send when the relay in the link above is down.
  const alternatives = h('ul', { class: 'share-alternatives' });
  const others = h(
    'details',
    { class: 'share-others', hidden: true, 'data-testid': 'share-others' },
    h('summary', {}, 'If the link does not open'),
    h(
      'p',
      {},
      'The link also names other relays of the network. If the first one is down, the same file opens through any of these:',
    ),
    alternatives,
  );
  const d = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'share-title', 'data-testid': 'share-dialog' },
    h('h2', { id: 'share-title' }, `Share ${name}`),
    h(
      'p',
      {},
      encrypted
        ? 'Anyone with this link can open and decrypt the file. The key is in the link itself and never goes to relays.'
        : 'This file is public: anyone with the link can open it.',
    ),
    input,
    qrBox,
    hint,
    buttons,
    others,
    h('form', { method: 'dialog', class: 'dialog-close' }, close),
  );
  document.body.append(d);
  dialog = d;
  d.addEventListener('close', () => d.remove());
  d.showModal();
  input.select();
  void otherRelays()
    .catch(() => [] as string[])
    .then((relays) => {
      if (dialog !== d || relays.length === 0) return;
      link = shareLinkOf(capability, base, relays);
      input.value = link;
      setAttrs(input, { 'data-via': relays.length });
      qrBox.replaceChildren(qrSvg(link, `QR code of the link to ${name}`));
      alternatives.replaceChildren(
        ...relays.map((r) =>
          h(
            'li',
            {},
            h('input', {
              type: 'text',
              readonly: true,
              class: 'share-link',
              value: shareLinkOf(capability, r, [base, ...relays]),
              'aria-label': `Link through ${r}`,
              'data-testid': 'share-link-alt',
              'data-relay': r,
            }),
          ),
        ),
      );
      others.hidden = false;
    });
}
