// Shows this device's node id `[data-testid=node-id]` (with data-node-id once known) and a copy button.
import { h, setAttrs, setText } from './dom.ts';

export interface IdentityView {
  readonly element: HTMLElement;
  showLoading(): void;
  showId(id: string, created: boolean): void;
  showError(message: string): void;
}

export function createIdentityView(): IdentityView {
  const value = h('code', { class: 'node-id', 'data-testid': 'node-id', 'data-state': 'loading' }, '…');
  const copy = h(
    'button',
    { type: 'button', class: 'link-button', 'aria-label': 'Copy your node id', hidden: true },
    'Copy',
  );
  const hint = h('span', { class: 'identity-hint' });
  const element = h(
    'div',
    { class: 'identity' },
    h('span', { class: 'identity-label' }, 'This device'),
    value,
    copy,
    hint,
  );

  copy.addEventListener('click', () => {
    const id = value.dataset.nodeId;
    if (!id) return;
    navigator.clipboard?.writeText(id).then(
      () => setText(hint, 'Copied'),
      () => setText(hint, 'Copy failed'),
    );
    setTimeout(() => setText(hint, ''), 2000);
  });

  return {
    element,
    showLoading() {
      setAttrs(value, { 'data-state': 'loading', 'data-node-id': null, title: 'Creating or loading your key' });
      setText(value, '…');
    },
    showId(id, created) {
      setAttrs(value, {
        'data-state': 'ready',
        'data-node-id': id,
        title: created ? 'A new key was made for this device' : 'Your key on this device',
      });
      setText(value, id);
      copy.hidden = false;
    },
    showError(message) {
      setAttrs(value, { 'data-state': 'error', 'data-node-id': null, title: message });
      setText(value, 'no key');
      setText(hint, message);
    },
  };
}
