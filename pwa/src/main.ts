// Entry point of the PWA shell: builds the page, loads the identity, watches the relay and the route.
import { validateLimits } from '../../core/limits.ts';
import { ConnectionMonitor } from './connection-monitor.ts';
import { createConnectionView } from './connection-view.ts';
import { h } from './dom.ts';
import { FileHasher } from './file-hasher.ts';
import { createFileListView } from './file-list-view.ts';
import { createIdentityView } from './identity-view.ts';
import { loadOrCreateIdentity } from './identity-store.ts';
import { LocalFiles } from './local-files.ts';
import { createNotFoundView, createOpenView } from './open-view.ts';
import { RelaySocket } from './relay-socket.ts';
import { watchRoute, type Route } from './router.ts';
import { registerServiceWorker } from './sw-register.ts';

function mount(root: HTMLElement): void {
  validateLimits();
  // The relay that served this page is the relay the app talks to.
  const relayUrl = location.origin;

  const connectionView = createConnectionView();
  const identityView = createIdentityView();
  const files = new LocalFiles(new FileHasher());
  const filesView = createFileListView(files);
  const openView = createOpenView();
  const notFound = createNotFoundView();
  const updateBanner = h(
    'div',
    { class: 'notice notice-update', role: 'status', 'data-testid': 'update-banner', hidden: true },
    'A new version of PeerTree is ready. ',
    h('button', { type: 'button', class: 'button' }, 'Reload'),
  );
  updateBanner.querySelector('button')?.addEventListener('click', () => location.reload());

  const main = h('main', { id: 'main', class: 'main', tabindex: -1 }, filesView.element, openView.element, notFound);
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/' }, h('img', { src: '/icon.svg', alt: '', width: 28, height: 28 }), h('span', {}, 'PeerTree')),
      connectionView.element,
    ),
    updateBanner,
    main,
    h('footer', { class: 'footer' }, identityView.element),
  );
  // The skip link must not change the hash route.
  root.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });

  // Routing: one view visible at a time.
  const views: Record<Route['name'], HTMLElement> = { files: filesView.element, open: openView.element, 'not-found': notFound };
  watchRoute((route) => {
    for (const [name, el] of Object.entries(views)) el.hidden = name !== route.name;
    if (route.name === 'open') openView.show(route.capability);
    root.dataset.route = route.name;
    document.title = route.name === 'open' ? 'Open a file — PeerTree' : route.name === 'files' ? 'PeerTree' : 'Not found — PeerTree';
  });

  // Connection: status probes now, the signed WebSocket once the identity is ready.
  const monitor = new ConnectionMonitor({ relayUrl });
  monitor.addEventListener('change', (e) => connectionView.render((e as CustomEvent<ReturnType<ConnectionMonitor['snapshot']>>).detail));
  connectionView.render(monitor.snapshot());
  monitor.start();

  identityView.showLoading();
  loadOrCreateIdentity().then(
    ({ identity, created }) => {
      identityView.showId(identity.id, created);
      const socket = new RelaySocket({ relayUrl, identity });
      monitor.attachSocket(socket);
      socket.start();
    },
    (err: unknown) => identityView.showError(err instanceof Error ? err.message : String(err)),
  );

  void registerServiceWorker({
    onState: (state) => (root.dataset.sw = state),
    onUpdated: () => (updateBanner.hidden = false),
  });

  root.dataset.boot = 'ready';
}

const root = document.getElementById('app');
if (root) {
  try {
    mount(root);
  } catch (err) {
    root.dataset.boot = 'error';
    root.textContent = `PeerTree could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}
