// Entry point of the PWA: builds the page, loads the identity and the library, connects, syncs the outbox.
import { DEFAULT_REPLICAS, validateLimits } from '../../core/limits.ts';
import { ConnectionMonitor } from './sync/connection-monitor.ts';
import { createConnectionView } from './ui/connection-view.ts';
import { h, setAttrs, setText } from './ui/dom.ts';
import { createFileListView } from './ui/file-list-view.ts';
import { createIdentityView } from './ui/identity-view.ts';
import { loadOrCreateIdentity } from './data/identity-store.ts';
import { Library } from './data/library.ts';
import { FileStore } from './state/file-store.ts';
import { downloadBlob } from './sync/open-file.ts';
import { createNotFoundView, createOpenView } from './ui/open-view.ts';
import { RelaySocket } from './sync/relay-socket.ts';
import { fetchRelayStatus, replicaTarget } from './sync/relay-status.ts';
import { TopUp } from './sync/top-up.ts';
import { mountShell } from './ui/app-shell.ts';
import { openPeerTreeDB } from './data/db.ts';
import { IdbShardStore } from './data/idb-shard-store.ts';
import { OutboxSync } from './sync/outbox-sync.ts';
import { FollowingTransport } from './sync/outbox-transport.ts';
import { Sealer } from './worker/sealer.ts';
import { CachingTransport, SocketShardTransport } from './sync/socket-transport.ts';
import { registerServiceWorker, requestBackgroundSync } from './sw-register.ts';
import { createDeviceView } from './ui/device-view.ts';
import { createNetworkView } from './ui/network-view.ts';
import { RelayList } from './data/relays.ts';
import { Session } from './sync/session.ts';
import { createSearchView } from './search/search-view.ts';
import { createLedgerPanel } from './ledger/ledger-panel.ts';
import { namesAsset } from '../../core/protocol/ledger-client.ts';
import { toHex } from '../../core/bytes.ts';
import { LibrarySync } from './sync/library-sync.ts';
import { AlbumStore } from './gallery/album-store.ts';
import { createDownloadStatus } from './gallery/download-status.ts';
import { startDownload } from './media/download-task.ts';
import type { ProgressFigures } from './state/progress-figures.ts';
import { createAlbumsView } from './gallery/albums-view.ts';
import { Thumbnailer } from './media/thumbnailer.ts';
import { ThumbLoader } from './gallery/thumb-loader.ts';
import { canStream, registerStream } from './media/stream-register.ts';
import { ensureLibraryKey, storeLibraryKey } from './data/library-key.ts';
import { createLinkPanel } from './ui/link-panel.ts';
import { createLinkView } from './ui/link-view.ts';
import { setShareRelays } from './ui/share-dialog.ts';
import { downloadProblem, problemNotice, startProblem } from './ui/plain-words.ts';
import { otherRelays } from './sync/link-relays.ts';

/** Consecutive failed connection attempts to one relay before the app moves to the next one. */
const FAILOVER_AFTER = 2;

async function mount(root: HTMLElement): Promise<void> {
  validateLimits();
  const db = await openPeerTreeDB();
  // The relay that served this page comes first; the user may add others to fail over to.
  const relays = await RelayList.open(db, location.origin);
  const relayUrl = relays.current();
  const store = new IdbShardStore(db);
  const connectionView = createConnectionView();
  const identityView = createIdentityView();
  let socket: RelaySocket | null = null;
  let librarySync: LibrarySync | null = null;
  let topUp: TopUp | null = null;
  let showUpdate = (): void => {};
  const session = new Session();
  const sealer = new Sealer();
  sealer.warm();
  const servingRelay = (): string => socket?.relayUrl ?? relayUrl;
  const replicas = async (): Promise<number> => {
    const status = await fetchRelayStatus(servingRelay());
    return Math.max(1, Math.min(status.replicas ?? DEFAULT_REPLICAS, status.size));
  };
  // The sync runner is the only writer of outbox items; it takes the library's requests from the start and
  // sends once the socket (set on `outboxTransport` when the identity is loaded) is ready.
  const outboxTransport = new FollowingTransport();
  const sync: OutboxSync = new OutboxSync({
    db,
    store,
    transport: outboxTransport,
    // The browser's own offline flag counts too: an old socket may outlive the network for a while.
    isConnected: () => socket?.state === 'ready' && navigator.onLine,
    replicas,
    targetReplicas: async () => replicaTarget(await fetchRelayStatus(servingRelay())),
    onChange: (id) => {
      void library.refresh(id).then(() => {
        // A file just stored on fewer relays than asked: look at the tree again soon.
        if (library.get(id)?.status === 'stored') topUp?.restart();
      });
      searchView.outboxChanged(id);
    },
    onProgress: (id, acked, total) => library.setUploadProgress(id, acked, total),
    onQueued: () => void requestBackgroundSync(),
  });
  const library = await Library.open(sealer, sync, new Thumbnailer());
  const albums = await AlbumStore.open(db);
  // An album made or changed here is published like a file-list change.
  albums.addEventListener('edited', () => librarySync?.schedule());

  // `via`: relays a link names (link-relays.ts), tried over HTTP after this app's own, in turn.
  const readTransport = (via: readonly string[] = []): CachingTransport =>
    new CachingTransport({
      cache: store,
      relays: () => [...new Set([...relays.ordered(), ...via])],
      ...(socket ? { socket: new SocketShardTransport(socket) } : {}),
    });

  const thumbs = new ThumbLoader(() => readTransport());
  // A problem with one of the files (a download that failed): words, details behind a disclosure, dismissable.
  const filesProblem = problemNotice('files-problem');
  // Share links name up to three other relays of the tree, from the serving relay's member list.
  setShareRelays(async () =>
    otherRelays(location.origin, (await fetchRelayStatus(socket?.relayUrl ?? relayUrl)).members),
  );
  const streamUrl = async (capability: string): Promise<string | null> =>
    canStream() ? registerStream(db, capability, Date.now()) : null;
  // Views render from the file store only; it derives each file's state from records, outbox and progress.
  const fileStore = await FileStore.open(library, {
    get: (id) => db.get('outbox', id),
    all: () => db.getAll('outbox'),
  });
  const downloads = createDownloadStatus();
  const filesView = createFileListView(
    library,
    fileStore,
    {
      // Cancelling is removing a file that is not stored yet, releasing whatever relays already pinned.
      cancel: (id) => void library.remove(id, true),
      // Several at once are fine (a multi-delete): LibrarySync takes turns at its saved state.
      remove: (id, release) =>
        void (async () => {
          // The removal goes into the library first, so that a sync in between cannot bring the file back.
          const f = library.get(id);
          if (f?.origin === 'added') await librarySync?.removed(f.capability).catch(() => {});
          if (f?.capability) await albums.forget(f.capability).catch(() => {});
          await library.remove(id, release);
        })(),
      edit: (id, change) =>
        void library.edit(id, change).then((changed) => {
          if (changed) librarySync?.schedule();
        }),
      retry: (id) => {
        if (library.get(id)?.memoryError) void sync.retryMemory(id);
        else if (library.canReseal(id)) void library.reseal(id);
        else void sync.retry(id);
      },
      download: (id) => {
        const f = library.get(id);
        if (!f?.capability) return;
        let report: (figures: ProgressFigures) => void = () => {};
        const task = startDownload(f.capability, readTransport(), { cache: store, onProgress: (p) => report(p) });
        report = downloads.track(f.name, task);
        task.done.then(
          (opened) => downloadBlob(opened.blob, opened.manifest.name),
          (err: unknown) => {
            if (!task.cancelled) filesProblem.show(downloadProblem(f.name, err));
          },
        );
      },
    },
    thumbs,
    streamUrl,
    albums,
    { transport: () => readTransport(), cache: store },
  );
  const albumsView = createAlbumsView({
    albums,
    files: fileStore,
    thumbs,
    view: (id, order) => filesView.viewer.open(id, order),
  });
  const openView = createOpenView({
    transport: readTransport,
    cache: store,
    remember: (capability, opened) => library.rememberOpened(capability, opened.manifestHash, opened.manifest),
    relayUrl: () => socket?.relayUrl ?? relayUrl,
    stream: streamUrl,
    // Only files this device's key stored (pinned) can be registered by it.
    ledger: createLedgerPanel(session, (asset) =>
      fileStore.list().some((f) => f.origin === 'added' && f.capability !== null && namesAsset(f.capability, asset)),
    ),
  });
  const searchView = createSearchView({
    session,
    rememberNote: (memory) => sync.enqueueMemory(memory),
    outboxItem: (id) => db.get('outbox', id),
    ownFiles: () => fileStore.list(),
  });
  const networkView = createNetworkView({
    relays,
    outbox: async () => {
      const items = await db.getAll('outbox');
      return {
        uploads: items.filter((i) => i.kind === 'store').length,
        releases: items.filter((i) => i.kind === 'release').length,
        memories: items.filter((i) => i.kind === 'memory').length,
      };
    },
  });
  const libraryKeys = {
    get: (owner: string) => ensureLibraryKey(db, owner),
    set: (owner: string, key: Uint8Array) => storeLibraryKey(db, owner, key),
  };
  const deviceView = createDeviceView(store, libraryKeys, createLinkPanel(session, libraryKeys));
  // "#/link/…" on the new device; files added here under its own key make it ask before it takes another key.
  const linkView = createLinkView({
    session,
    libraryKeys,
    beforeAdopt: () => librarySync?.stop(),
    hasOwnFiles: () => fileStore.list().some((f) => f.origin === 'added'),
  });
  // Where the library on relays stands (data-state: idle, syncing, synced, waiting, locked).
  const libraryStatus = h('p', {
    class: 'note library-status',
    'data-testid': 'library-sync',
    'data-state': 'idle',
    role: 'status',
  });
  filesView.element.insertBefore(libraryStatus, filesView.element.children[1] ?? null);
  filesView.element.insertBefore(filesProblem.element, libraryStatus);
  filesView.element.insertBefore(downloads.element, libraryStatus);
  mountShell(root, {
    views: {
      files: filesView.element,
      albums: albumsView.element,
      open: openView.element,
      search: searchView.element,
      network: networkView.element,
      device: deviceView.element,
      link: linkView.element,
      'not-found': createNotFoundView(),
    },
    topbar: connectionView.element,
    footer: identityView.element,
    onRoute: (route) => {
      if (route.name === 'open') openView.show(route.capability, route.via ?? []);
      if (route.name === 'search') searchView.show(route.query);
      if (route.name === 'network') networkView.show();
      else networkView.hide();
      if (route.name === 'device') deviceView.show();
      if (route.name === 'link') linkView.show(route.offer);
      if (route.name === 'albums')
        albumsView.show({
          ...(route.album !== undefined ? { album: route.album } : {}),
          ...(route.bucket !== undefined ? { bucket: route.bucket } : {}),
        });
      else albumsView.hide();
    },
    onUpdated: (show) => (showUpdate = show),
  });

  // Connection: status probes now, the signed WebSocket once the identity is ready.
  const monitor = new ConnectionMonitor({ relayUrl });
  monitor.addEventListener('change', (e) => {
    const snapshot = (e as CustomEvent<ReturnType<ConnectionMonitor['snapshot']>>).detail;
    connectionView.render(snapshot);
    networkView.renderConnection(snapshot);
  });
  connectionView.render(monitor.snapshot());
  networkView.renderConnection(monitor.snapshot());
  monitor.start();
  let wasOnline = false;
  monitor.addEventListener('change', (e) => {
    // Deliver the outbox on every transition to online (the socket's own `ready` covers reconnects).
    const online = (e as CustomEvent<ReturnType<ConnectionMonitor['snapshot']>>).detail.state === 'online';
    if (online && !wasOnline) sync.kick(true);
    wasOnline = online;
  });

  identityView.showLoading();
  loadOrCreateIdentity().then(
    (loaded) => {
      const { identity, created } = loaded;
      sealer.setAuthor(loaded.record.privateKey, loaded.record.publicKey);
      identityView.showId(identity.id, created);
      deviceView.setIdentity(loaded);
      const s = new RelaySocket({ relayUrl, identity });
      socket = s;
      session.set({ socket: s, identity });
      librarySync = new LibrarySync({
        db,
        library,
        socket: s,
        identity,
        transport: new SocketShardTransport(s, identity),
        albums,
        replicas,
        onState: (state, detail) => {
          setAttrs(libraryStatus, { 'data-state': state, 'data-detail': detail || null });
          const words: Record<string, string> = {
            idle: '',
            syncing: 'Checking your library on the relays…',
            synced: 'Your file list is saved, encrypted, on the relays: it comes back with your key backup.',
            waiting: 'Your file list will be saved to the relays when they can be reached.',
            locked: detail,
          };
          setText(libraryStatus, words[state] ?? '');
        },
      });
      // The albums are this identity's (another key's are dropped) before the first sync merges them.
      const started = librarySync;
      void albums.setOwner(toHex(identity.publicKey)).finally(() => started.start());
      const filesTopUp = new TopUp({
        files: () => library.list(),
        store,
        transport: new SocketShardTransport(s, identity),
        tree: async () => {
          const status = await fetchRelayStatus(s.relayUrl);
          return { size: status.size, target: replicaTarget(status) };
        },
        isConnected: () => s.state === 'ready' && navigator.onLine,
        setReplicas: (id, n) => library.setReplicas(id, n),
      });
      topUp = filesTopUp;
      outboxTransport.set(new SocketShardTransport(s, identity));
      let failures = 0;
      const follow = (): void => {
        const url = relays.current();
        s.setRelayUrl(url);
        monitor.setRelayUrl(url);
      };
      s.addEventListener('state', () => {
        if (s.state === 'ready') {
          failures = 0;
          sync.kick(true);
          filesTopUp.restart();
        } else if (s.state === 'waiting' && navigator.onLine && ++failures >= FAILOVER_AFTER && relays.next()) {
          // This relay is unreachable: move to the next one (relays.next() wraps around the list).
          failures = 0;
          follow();
        }
      });
      relays.addEventListener('change', () => {
        if (relays.current() !== s.relayUrl) follow();
      });
      monitor.attachSocket(s);
      s.start();
    },
    (err: unknown) => identityView.showError(err instanceof Error ? err.message : String(err)),
  );

  void registerServiceWorker({
    onState: (state) => (root.dataset.sw = state),
    onUpdated: () => showUpdate(),
  });

  root.dataset.boot = 'ready';
}

const root = document.getElementById('app');
if (root) {
  mount(root).catch((err: unknown) => {
    root.dataset.boot = 'error';
    const notice = problemNotice('start-problem', false);
    notice.show(startProblem(err));
    root.replaceChildren(notice.element);
  });
}
