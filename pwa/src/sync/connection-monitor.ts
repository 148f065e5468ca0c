// The app's answer to "can I reach a relay?": browser online flag + status probes + the relay WebSocket.
import { Backoff } from './backoff.ts';
import { fetchRelayStatus, type RelayStatus } from './relay-status.ts';
import type { RelaySocket, SocketState } from './relay-socket.ts';

export type ConnectionState = 'online' | 'offline';

export interface ConnectionSnapshot {
  readonly state: ConnectionState;
  /** navigator.onLine: false means certainly offline; true means "maybe". */
  readonly browserOnline: boolean;
  /** The last status probe answered, and no later probe failed. */
  readonly statusOk: boolean;
  readonly socket: SocketState;
  /** Node id of the relay: proven by the socket handshake, else as its status reports it. */
  readonly relayId: string | null;
  /** The last status the relay returned (kept while offline, for display). */
  readonly status: RelayStatus | null;
  readonly lastError: string | null;
}

export interface ConnectionMonitorOptions {
  readonly relayUrl: string | URL;
  /** Time between probes while they succeed. */
  readonly probeIntervalMs?: number;
  readonly backoff?: Backoff;
}

/**
 * Online means: the browser thinks it has a network AND (the relay's WebSocket finished its handshake OR the
 * relay's /api/status answered the last probe). Probes repeat every probeIntervalMs while they succeed and
 * back off (bounded) while they fail; `online`/`offline` events and socket closes trigger an immediate probe.
 */
export class ConnectionMonitor extends EventTarget {
  private browserOnline = navigator.onLine;
  private statusOk = false;
  private status: RelayStatus | null = null;
  private lastError: string | null = null;
  private socket: RelaySocket | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private probing: AbortController | null = null;
  private started = false;
  private lastState: ConnectionState | null = null;
  private readonly probeIntervalMs: number;
  private readonly backoff: Backoff;
  private relayUrl: string | URL;

  constructor(options: ConnectionMonitorOptions) {
    super();
    this.relayUrl = options.relayUrl;
    this.probeIntervalMs = options.probeIntervalMs ?? 15_000;
    this.backoff = options.backoff ?? new Backoff({ initialMs: 1_000, maxMs: 30_000, factor: 2 });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    window.addEventListener('online', this.onBrowserOnline);
    window.addEventListener('offline', this.onBrowserOffline);
    void this.probe();
  }

  stop(): void {
    this.started = false;
    window.removeEventListener('online', this.onBrowserOnline);
    window.removeEventListener('offline', this.onBrowserOffline);
    clearTimeout(this.timer);
    this.probing?.abort();
    this.socket?.removeEventListener('state', this.onSocketState);
  }

  /** Lets the socket's handshake count as proof of reachability, and drives its retries from browser events. */
  attachSocket(socket: RelaySocket): void {
    this.socket?.removeEventListener('state', this.onSocketState);
    this.socket = socket;
    socket.addEventListener('state', this.onSocketState);
    this.emit();
  }

  snapshot(): ConnectionSnapshot {
    const socket = this.socket?.state ?? 'idle';
    const reachable = this.statusOk || socket === 'ready';
    return {
      state: this.browserOnline && reachable ? 'online' : 'offline',
      browserOnline: this.browserOnline,
      statusOk: this.statusOk,
      socket,
      relayId: this.socket?.relayId ?? this.status?.id ?? null,
      status: this.status,
      lastError: this.lastError,
    };
  }

  /** Watches another relay (failover): forgets the old one's status and probes the new one now. */
  setRelayUrl(relayUrl: string | URL): void {
    if (String(relayUrl) === String(this.relayUrl)) return;
    this.relayUrl = relayUrl;
    this.status = null;
    this.statusOk = false;
    this.backoff.reset();
    if (this.started) void this.probe();
  }

  /** Probes now (cancelling a scheduled probe). */
  async probe(): Promise<void> {
    clearTimeout(this.timer);
    this.probing?.abort();
    const controller = new AbortController();
    this.probing = controller;
    try {
      const status = await fetchRelayStatus(this.relayUrl, controller.signal);
      if (controller.signal.aborted) return;
      this.status = status;
      this.statusOk = true;
      this.lastError = null;
      this.backoff.reset();
      this.schedule(this.probeIntervalMs);
    } catch (err) {
      if (controller.signal.aborted) return;
      this.statusOk = false;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.schedule(this.backoff.next());
    } finally {
      if (this.probing === controller) this.probing = null;
      this.emit();
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.started) this.timer = setTimeout(() => void this.probe(), delayMs);
  }

  private readonly onBrowserOnline = (): void => {
    this.browserOnline = true;
    this.backoff.reset();
    this.socket?.retryNow();
    void this.probe();
  };

  private readonly onBrowserOffline = (): void => {
    this.browserOnline = false;
    this.emit();
  };

  private readonly onSocketState = (): void => {
    // A socket that dropped may mean the relay is gone: check now instead of at the next scheduled probe.
    if (this.socket?.state === 'waiting' && this.statusOk) void this.probe();
    this.emit();
  };

  private emit(): void {
    const snapshot = this.snapshot();
    this.dispatchEvent(new CustomEvent<ConnectionSnapshot>('change', { detail: snapshot }));
    this.lastState = snapshot.state;
  }

  get state(): ConnectionState {
    return this.lastState ?? this.snapshot().state;
  }
}
