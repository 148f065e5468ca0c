// Coalesces the small frames a link sends in one event-loop turn into one socket write (one writev syscall).
//
// Why: under many requests in flight a relay signs several replies whose callbacks all run in one poll phase;
// written one by one, each costs its own writev (and, over TLS, its own record). Corking the socket on the first
// small frame and uncorking it in the same turn's check phase (setImmediate) sends them together, in order,
// without delaying any frame past the turn it was sent in. bufferedAmount still counts held bytes (they are in
// the socket's writable state), so backpressure is unchanged.
import type { WebSocket } from 'ws';
import { SEND_BATCH_MAX_FRAME_BYTES } from '../../core/limits.ts';

/** The part of net.Socket / tls.TLSSocket the batch uses. */
interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
}

/** The socket under a ws WebSocket (ws keeps it in `_socket`; null before it is set or after it is gone). */
function socketOf(ws: WebSocket): Corkable | null {
  const socket = (ws as unknown as { _socket?: Corkable | null })._socket;
  return socket && typeof socket.cork === 'function' ? socket : null;
}

export class WriteBatch {
  private held: Corkable | null = null;
  private readonly flushNow = () => this.flush();

  constructor(private readonly ws: WebSocket) {}

  /** Call right before ws.send of a frame of `bytes` bytes: holds small frames for this turn, flushes before large. */
  beforeSend(bytes: number): void {
    if (bytes > SEND_BATCH_MAX_FRAME_BYTES) {
      this.flush();
      return;
    }
    if (this.held !== null) return;
    const socket = socketOf(this.ws);
    if (socket === null || socket.destroyed) return;
    socket.cork();
    this.held = socket;
    setImmediate(this.flushNow);
  }

  /** Writes whatever is held (idempotent). */
  flush(): void {
    const socket = this.held;
    if (socket === null) return;
    this.held = null;
    socket.uncork();
  }
}
