// The page's connection to the tree as the views need it: the signed socket and the key that signs, once both
// exist. Views that talk to applications (search, the ledger) wait here for a ready connection.
import { PeerTreeError } from '../../../core/errors.ts';
import type { Identity } from '../../../core/identity/identity.ts';
import type { RelaySocket } from './relay-socket.ts';

export interface Connected {
  readonly socket: RelaySocket;
  readonly identity: Identity;
}

export class Session {
  private value: Connected | null = null;
  private readonly waiting: ((c: Connected) => void)[] = [];

  /** Called once, when the identity is loaded and the socket made. */
  set(connected: Connected): void {
    this.value = connected;
    for (const resolve of this.waiting.splice(0)) resolve(connected);
  }

  /** The identity, once loaded (null before). */
  get identity(): Identity | null {
    return this.value?.identity ?? null;
  }

  /** True when requests can be sent right now (an old socket may outlive the network for a while). */
  isReady(): boolean {
    return this.value?.socket.state === 'ready' && (typeof navigator === 'undefined' || navigator.onLine);
  }

  /** Resolves with the socket once its handshake is done; rejects with UNAVAILABLE after `timeoutMs`. */
  async connected(timeoutMs: number): Promise<Connected> {
    // No network at all: say so at once instead of after the whole wait.
    if (typeof navigator !== 'undefined' && !navigator.onLine)
      throw new PeerTreeError('UNAVAILABLE', 'this device is offline');
    const deadline = Date.now() + timeoutMs;
    const c =
      this.value ??
      (await new Promise<Connected>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = this.waiting.indexOf(done);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new PeerTreeError('UNAVAILABLE', 'the key is not loaded yet'));
        }, timeoutMs);
        const done = (value: Connected): void => {
          clearTimeout(timer);
          resolve(value);
        };
        this.waiting.push(done);
      }));
    await c.socket.whenReady(Math.max(0, deadline - Date.now()));
    return c;
  }
}
