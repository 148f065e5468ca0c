// The share dialog: the capability link, copy, the Web Share API where present, and a QR code of the link.
import qrcode from 'qrcode-generator';
import { h, setText } from './dom.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The link that opens a capability in this app. */
export function shareLinkOf(capability: string, base: string = location.origin): string {
  return `${base}/#/open/${encodeURIComponent(capability)}`;
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
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + quiet} ${r + quiet}h1v1h-1z`;
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
  const link = shareLinkOf(capability);
  dialog?.remove();
  const input = h('input', { type: 'text', readonly: true, value: link, class: 'share-link', 'aria-label': 'Link to this file', 'data-testid': 'share-link' });
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
    const share = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'share-native' }, 'Share…');
    share.addEventListener('click', () => {
      navigator.share({ title: name, text: `${name} on PeerTree`, url: link }).catch(() => {});
    });
    buttons.append(share);
  }
  const close = h('button', { type: 'submit', class: 'button', value: 'close' }, 'Close');
  const encrypted = capability.split('.').length === 3;
  const d = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'share-title', 'data-testid': 'share-dialog' },
    h('h2', { id: 'share-title' }, `Share ${name}`),
    h('p', {}, encrypted ? 'Anyone with this link can open and decrypt the file. The key is in the link itself and never goes to relays.' : 'This file is public: anyone with the link can open it.'),
    input,
    qrSvg(link, `QR code of the link to ${name}`),
    hint,
    buttons,
    h('form', { method: 'dialog', class: 'dialog-close' }, close),
  );
  document.body.append(d);
  dialog = d;
  d.addEventListener('close', () => d.remove());
  d.showModal();
  input.select();
}
