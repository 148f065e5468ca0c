// Entry point of the PWA: builds the page, loads the identity and the library, connects, syncs the outbox.
import { DEFAULT_REPLICAS, validateLimits } from '../../core/limits.ts';
import { ConnectionMonitor } from './connection-monitor.ts';
import { createConnectionView } from './connection-view.ts';
import { h } from './dom.ts';
import { createFileListView } from './file-list-view.ts';
import { createIdentityView } from './identity-view.ts';
import { loadOrCreateIdentity } from './identity-store.ts';
import { Library } from './library.ts';
import { openCapability, downloadBlob } from './open-file.ts';
import { createNotFoundView, createOpenView } from './open-view.ts';
import { RelaySocket } from './relay-socket.ts';
import { fetchRelayStatus } from './relay-status.ts';
import { watchRoute, type Route } from './router.ts';
import { openPeerTreeDB } from './db.ts';
import { IdbShardStore } from './storage/idb-shard-store.ts';
import { OutboxSync } from './storage/outbox-sync.ts';
import { Sealer } from './storage/sealer.ts';
import { CachingTransport, SocketShardTransport } from './storage/socket-transport.ts';
import { registerServiceWorker, requestBackgroundSync } from './sw-register.ts';

async function mount(root: HTMLElement): Promise<void> {
  validateLimits();
  // The relay that served this page is the relay the app talks to.
  const relayUrl = location.origin;

  const db = await openPeerTreeDB();
  const store = new IdbShardStore(db);
  const connectionView = createConnectionView();
  const identityView = createIdentityView();
  let sync: OutboxSync | null = null;
  let socket: RelaySocket | null = null;
  const sealer = new Sealer();
  sealer.warm();
  const library = await Library.open(sealer, store, () => {
    sync?.kick();
    void requestBackgroundSync();
  });

  const readTransport = (): CachingTransport =>
    new CachingTransport({ cache: store, relays: () => [socket?.relayUrl ?? relayUrl], ...(socket ? { socket: new SocketShardTransport(socket) } : {}) });

  const filesView = createFileListView(
    library,
    {
      remove: (id, release) => void library.remove(id, release),
      retry: (id) => {
        if (library.canReseal(id)) void library.reseal(id);
        else void sync?.retry(id);
      },
      download: (id) => {
        const f = library.get(id);
        if (!f?.capability) return;
        openCapability(f.capability, readTransport()).then(
          (opened) => downloadBlob(opened.blob, opened.manifest.name),
          (err: unknown) => alert(`Could not download ${f.name}: ${err instanceof Error ? err.message : String(err)}`),
        );
      },
    },
    (f) => f.status === 'error' && (library.canReseal(f.id) || f.capability !== null),
  );
  const openView = createOpenView({
    transport: readTransport,
    remember: (capability, opened) => library.rememberOpened(capability, opened.manifestHash, opened.manifest),
    relayUrl: () => socket?.relayUrl ?? relayUrl,
  });
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
  let wasOnline = false;
  monitor.addEventListener('change', (e) => {
    // Deliver the outbox on every transition to online (the socket's own `ready` covers reconnects).
    const online = (e as CustomEvent<ReturnType<ConnectionMonitor['snapshot']>>).detail.state === 'online';
    if (online && !wasOnline) sync?.kick();
    wasOnline = online;
  });

  identityView.showLoading();
  loadOrCreateIdentity().then(
    ({ identity, created }) => {
      identityView.showId(identity.id, created);
      const s = new RelaySocket({ relayUrl, identity });
      socket = s;
      sync = new OutboxSync({
        db,
        store,
        transport: new SocketShardTransport(s, identity),
        // The browser's own offline flag counts too: an old socket may outlive the network for a while.
        isConnected: () => s.state === 'ready' && navigator.onLine,
        replicas: async () => {
          const status = await fetchRelayStatus(s.relayUrl);
          return Math.max(1, Math.min(status.replicas ?? DEFAULT_REPLICAS, status.size));
        },
        onChange: (id) => void library.refresh(id),
        onProgress: (id, acked, total) => library.setUploadProgress(id, acked, total),
      });
      s.addEventListener('state', () => {
        if (s.state === 'ready') sync?.kick();
      });
      monitor.attachSocket(s);
      s.start();
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
  mount(root).catch((err: unknown) => {
    root.dataset.boot = 'error';
    root.textContent = `PeerTree could not start: ${err instanceof Error ? err.message : String(err)}`;
  });
}
