// What a protocol client needs from a connection: send a signed request and get its reply (or its refusal).
// A relay's Link (node-relay/ws/link.ts) and the PWA's RelaySocket (pwa/src/relay-socket.ts) both are one.
import type { Message } from '../wire/index.ts';

export interface RequestOptions {
  /** Binary payload of the frame (a shard). */
  readonly payload?: Uint8Array;
  /** SHA-256 of `payload` when the caller already knows it (saves hashing it again while signing). */
  readonly payloadDigest?: Uint8Array;
}

export interface Requester {
  /**
   * Sends `type` with `body`, signed now, and resolves with the reply whose `body.re` is its id. A `peer.error`
   * reply rejects with its code (`refused` set); a closed connection rejects with CLOSED, silence with TIMEOUT.
   */
  request(type: string, body: unknown, timeoutMs?: number, options?: RequestOptions): Promise<Message>;
}
