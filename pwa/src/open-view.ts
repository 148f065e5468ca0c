// "#/open/CAPABILITY": opening shared files needs fetching from the tree, which is not built yet; say so plainly.
import { h, setText } from './dom.ts';

export interface OpenView {
  readonly element: HTMLElement;
  show(capability: string): void;
}

export function createOpenView(): OpenView {
  const code = h('code', { class: 'capability', 'data-testid': 'open-capability' });
  const element = h(
    'section',
    { class: 'view view-open', 'aria-labelledby': 'open-title', 'data-testid': 'open-view' },
    h('h1', { id: 'open-title' }, 'Open a shared file'),
    h(
      'div',
      { class: 'notice notice-info', role: 'status', 'data-testid': 'open-unavailable' },
      h('p', {}, h('strong', {}, 'Not available yet. '), 'This version of PeerTree cannot fetch files from the tree, so nothing was downloaded.'),
      h('p', {}, 'Keep the link: it will open here once fetching arrives in an update.'),
    ),
    h('p', { class: 'capability-line' }, 'Link: ', code),
    h('p', {}, h('a', { href: '#/', class: 'button' }, 'Back to your files')),
  );
  return {
    element,
    show(capability) {
      setText(code, capability);
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
