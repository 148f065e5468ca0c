// The WebSocket endpoint /ws on the relay's HTTP(S) server: upgrade checks, per-address limits, handshake.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { KEEPALIVE_INTERVAL_MS, MAX_FRAME_BYTES, SLOW_CLIENT_BUFFERED_BYTES } from '../../core/limits.ts';
import type { Identity } from '../../core/identity/index.ts';
import { every, type Components } from '../components.ts';
import { requestPath } from '../http/request-handler.ts';
import type { ConnectionManager } from './connection-manager.ts';
import type { Dispatcher } from './dispatcher.ts';
import { acceptSocket } from './server-session.ts';
import { closeWith } from './signed-send.ts';

export const WS_PATH = '/ws';

export interface WsEndpoint {
  /** Closes every socket (authenticated or not) with `code`, and refuses new upgrades. */
  closeAll(code: number, reason: string): void;
  /** Cuts every socket still open (after the close grace period). */
  terminateAll(): void;
  /** Sockets still open. */
  readonly size: number;
}

function refuse(socket: Duplex, status: number, text: string): void {
  const body = JSON.stringify({
    error: { code: status === 429 ? 'RATE_LIMITED' : status === 503 ? 'CLOSED' : 'NOT_FOUND', message: text },
  });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function attachWebSocketEndpoint(
  server: Server,
  deps: {
    identity: Identity;
    treeId: () => string;
    components: Components;
    manager: ConnectionManager;
    dispatcher: Dispatcher;
    handshakeTimeoutMs?: number;
    /** Keep-alive ping interval (default KEEPALIVE_INTERVAL_MS); tests shorten it. */
    keepaliveIntervalMs?: number;
  },
): WsEndpoint {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const sockets = new Set<WebSocket>();
  let closing = false;
  const { logger } = deps.components;
  // Keep-alive: every interval each socket is pinged; one that has sent nothing (not even the pong) since the
  // previous ping is dead, frozen or stuck and is cut. One whose peer leaves megabytes unread for a whole
  // interval is a slow client: it is closed (TIMEOUT) instead of holding buffers forever.
  const heard = new WeakMap<WebSocket, boolean>();
  const backlog = new WeakMap<WebSocket, number>();
  const stopKeepalive = every(deps.components.timers, deps.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS, () => {
    for (const ws of sockets) {
      if (heard.get(ws) === false) {
        deps.manager.counters['keepalive-timeout']++;
        logger.info('connection did not answer the keep-alive ping', {});
        ws.terminate();
        continue;
      }
      const buffered = ws.bufferedAmount;
      if (buffered > SLOW_CLIENT_BUFFERED_BYTES && buffered >= (backlog.get(ws) ?? 0) && backlog.has(ws)) {
        deps.manager.counters['slow-client']++;
        closeWith(ws, 'TIMEOUT', 'peer does not read');
        continue;
      }
      if (buffered > SLOW_CLIENT_BUFFERED_BYTES) backlog.set(ws, buffered);
      else backlog.delete(ws);
      heard.set(ws, false);
      try {
        ws.ping();
      } catch {
        // closing already
      }
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (requestPath(req.url) !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (closing) return refuse(socket, 503, 'Shutting Down');
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!deps.manager.reserve(address)) return refuse(socket, 429, 'Too Many Connections');
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      deps.manager.release(address);
    };
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const alive = () => heard.set(ws, true);
      ws.on('pong', alive);
      ws.on('message', alive);
      ws.on('close', () => {
        sockets.delete(ws);
        release();
      });
      ws.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || err.code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH')
          deps.manager.counters['too-large']++;
        else if (err.code?.startsWith('WS_ERR_')) deps.manager.counters['protocol-error']++;
        logger.debug('websocket error', { address, error: err.message, code: err.code });
      });
      if (closing) {
        ws.close(1001, 'shutting down');
        return;
      }
      acceptSocket(ws, address, {
        identity: deps.identity,
        treeId: deps.treeId,
        components: deps.components,
        verifier: deps.manager.verifier,
        counters: deps.manager.counters,
        ...(deps.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: deps.handshakeTimeoutMs } : {}),
        onAuthenticated: (link) => deps.manager.add(link),
        onMessage: (message, link) => deps.dispatcher.dispatch(message, link),
        admitFrame: () => deps.manager.admitAddress(address),
      });
    });
  });

  return {
    closeAll(code, reason) {
      closing = true;
      stopKeepalive();
      for (const ws of sockets) ws.close(code, reason);
    },
    terminateAll() {
      for (const ws of sockets) ws.terminate();
    },
    get size() {
      return sockets.size;
    },
  };
}
