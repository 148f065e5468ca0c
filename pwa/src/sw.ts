// The service worker (built by vite-plugin-pwa with `injectManifest`): precaches the app shell, answers
// navigations with it, delivers the outbox on Background Sync, even with no PeerTree page open, and streams
// encrypted media (`/stream/ID`, see media/stream-sw.ts).
import { clientsClaim } from 'workbox-core';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CLIENT_CONNECT_TIMEOUT_MS, DEFAULT_REPLICAS } from '../../core/limits.ts';
import { identityFromCryptoKey } from '../../core/identity/identity.ts';
import { openPeerTreeDB } from './data/db.ts';
import { RelaySocket } from './sync/relay-socket.ts';
import { fetchRelayStatus, replicaTarget } from './sync/relay-status.ts';
import { relayCandidates } from './data/relays.ts';
import { announceFileChange } from './data/files-repo.ts';
import { IdbShardStore } from './data/idb-shard-store.ts';
import { OutboxSync } from './sync/outbox-sync.ts';
import { SocketShardTransport } from './sync/socket-transport.ts';
import { answerStream, isStreamRequest } from './media/stream-sw.ts';

/** The Background Sync tag (same as sw-register.ts). */
const OUTBOX_SYNC_TAG = 'peertree-outbox';
/** Paths never answered with the app shell: the relay's API and WebSocket, and test pages. */
const NOT_THE_SHELL = [/^\/api(?:\/|$)/, /^\/ws(?:\/|$|\?)/, /^\/test-/, /^\/stream\//];

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface SyncEventLike extends ExtendableEventLike {
  readonly tag: string;
}
interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(response: Promise<Response> | Response): void;
}
interface ServiceWorkerScope {
  readonly __WB_MANIFEST: (string | PrecacheEntry)[];
  readonly location: Location;
  skipWaiting(): Promise<void>;
  addEventListener(type: 'sync', listener: (event: SyncEventLike) => void): void;
  addEventListener(type: 'install', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
}
// This module's `self` is the service worker scope (the DOM lib types it as a Window).
declare const self: ServiceWorkerScope;
const sw = self;

// Streams of encrypted media (`/stream/ID`), answered here before Workbox sees the request.
sw.addEventListener('fetch', (event) => {
  if (isStreamRequest(new URL(event.request.url), sw.location.origin))
    event.respondWith(answerStream(event.request, sw.location.origin));
});

// `self.__WB_MANIFEST` is replaced at build time by the precache list.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: NOT_THE_SHELL }));
sw.addEventListener('install', () => void sw.skipWaiting());
clientsClaim();

/** Connects to the first reachable relay with the stored key and delivers what the outbox holds. */
async function deliverOutbox(): Promise<void> {
  const db = await openPeerTreeDB();
  if ((await db.count('outbox')) === 0) return;
  const record = await db.get('identity', 'self');
  if (!record) return;
  const identity = identityFromCryptoKey(record.privateKey, record.publicKey);
  const relays = await relayCandidates(db, sw.location.origin);
  let lastError: unknown = null;
  for (const relayUrl of relays) {
    const socket = new RelaySocket({ relayUrl, identity });
    try {
      socket.start();
      await socket.whenReady(CLIENT_CONNECT_TIMEOUT_MS);
      const sync = new OutboxSync({
        db,
        store: new IdbShardStore(db),
        transport: new SocketShardTransport(socket, identity),
        isConnected: () => socket.state === 'ready',
        replicas: async () => {
          const status = await fetchRelayStatus(socket.relayUrl);
          return Math.max(1, Math.min(status.replicas ?? DEFAULT_REPLICAS, status.size));
        },
        targetReplicas: async () => replicaTarget(await fetchRelayStatus(socket.relayUrl)),
        onChange: (id) => announceFileChange(id),
      });
      await sync.drain();
      sync.stop();
      break;
    } catch (err) {
      lastError = err;
    } finally {
      socket.stop();
    }
  }
  const items = await db.getAll('outbox');
  const stopped = new Set(items.filter((item) => item.stopped).map((item) => item.id));
  // A memory waiting for a refused upload waits for the user too, not for another sync.
  const left = items.filter(
    (item) => !item.stopped && !(item.kind === 'memory' && item.fileId && stopped.has(item.fileId)),
  ).length;
  // Rejecting tells the browser to fire the sync again later (with its own backoff).
  if (left > 0) throw lastError instanceof Error ? lastError : new Error(`${left} sends still waiting`);
}

sw.addEventListener('sync', (event) => {
  if (event.tag === OUTBOX_SYNC_TAG) event.waitUntil(deliverOutbox());
});
