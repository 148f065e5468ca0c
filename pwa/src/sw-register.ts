// Registers the Workbox service worker (built by vite-plugin-pwa as /sw.js) and reports its state.
import { Workbox } from 'workbox-window';

/** unsupported: no SW API (or a dev build) · registering · ready: active and controlling, shell cached · error */
export type ServiceWorkerState = 'unsupported' | 'registering' | 'ready' | 'error';

export interface ServiceWorkerHooks {
  onState(state: ServiceWorkerState, detail?: string): void;
  /** A newer version took over; the page still runs the old code until reloaded. */
  onUpdated(): void;
}

export async function registerServiceWorker(hooks: ServiceWorkerHooks): Promise<void> {
  // The SW is only built by `vite build`; `vite` (dev) serves modules that must not be cached.
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) {
    hooks.onState('unsupported');
    return;
  }
  hooks.onState('registering');
  const wb = new Workbox('/sw.js', { scope: '/', type: 'classic' });
  wb.addEventListener('controlling', (event) => {
    if (event.isUpdate) hooks.onUpdated();
  });
  try {
    await wb.register();
    await navigator.serviceWorker.ready;
    // With clientsClaim the new worker takes this page over right after activating.
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) =>
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }),
      );
    }
    hooks.onState('ready');
  } catch (err) {
    hooks.onState('error', err instanceof Error ? err.message : String(err));
  }
}

/** The Background Sync tag the service worker answers by delivering the outbox. */
export const OUTBOX_SYNC_TAG = 'peertree-outbox';

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

/** Asks the browser to wake the service worker when a network is back (where Background Sync exists). */
export async function requestBackgroundSync(): Promise<boolean> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return false;
  try {
    const registration = await navigator.serviceWorker.ready;
    const sync = (registration as ServiceWorkerRegistration & { sync?: SyncManagerLike }).sync;
    if (!sync) return false;
    await sync.register(OUTBOX_SYNC_TAG);
    return true;
  } catch {
    return false;
  }
}
