// The PWA's shard transports: core's ShardClient over its signed WebSocket (store, fetch, release, remember),
// the relay's HTTP shard endpoint for reads, and a cache-first transport that keeps fetched shards in IndexedDB
// for offline use.
import { PeerTreeError, toPeerTreeError } from '../../../core/errors.ts';
import type { Identity } from '../../../core/identity/identity.ts';
import { CLIENT_REQUEST_TIMEOUT_MS, MAX_PAYLOAD_BYTES } from '../../../core/limits.ts';
import { rememberMemory } from '../../../core/protocol/memory-client.ts';
import { ShardClient } from '../../../core/protocol/shard-client.ts';
import { verifyShard } from '../../../core/storage/file-codec.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { ShardTransport, StoreReceipt } from '../../../core/storage/shard-transport.ts';
import type { RelaySocket } from './relay-socket.ts';
import type { MemoryRequest } from './outbox-sync.ts';

/** Core's shard client over one RelaySocket, signing with the socket's key; also remembers memories (the outbox's). */
export class SocketShardTransport extends ShardClient {
  constructor(
    private readonly socket: RelaySocket,
    private readonly author?: Identity,
  ) {
    super(socket, author ? { identity: author, now: Date.now } : undefined);
  }

  /** Signs the memory now and stores it with `memory.remember` (see core's rememberMemory). */
  remember(content: MemoryRequest, replicas: number): Promise<{ id: string; holders: string[] }> {
    if (!this.author) return Promise.reject(new PeerTreeError('BAD_INPUT', 'remembering needs the author key'));
    return rememberMemory(
      this.socket,
      { identity: this.author, now: Date.now },
      { text: content.text, tags: content.tags, ref: content.ref },
      replicas,
    );
  }
}

/** GET RELAY/api/shards/HASH: immutable, cacheable bytes (unverified here; callers check the hash). */
export async function fetchShardOverHttp(relayUrl: string, hash: string, signal?: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(new URL(`/api/shards/${hash}`, relayUrl), {
    signal: signal ?? AbortSignal.timeout(CLIENT_REQUEST_TIMEOUT_MS),
  });
  if (!res.ok) {
    const code = res.status === 404 ? 'NOT_FOUND' : res.status === 400 ? 'BAD_INPUT' : 'UNAVAILABLE';
    throw new PeerTreeError(code, `relay answered ${res.status} for shard ${hash.slice(0, 12)}…`);
  }
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_PAYLOAD_BYTES) throw new PeerTreeError('TOO_LARGE', 'shard larger than any shard can be');
  return new Uint8Array(await res.arrayBuffer());
}

export interface CachingTransportOptions {
  readonly cache: ShardStore;
  /** Relay base URLs to try over HTTP, in order (the current relay first). */
  readonly relays: () => readonly string[];
  /** The WebSocket transport, used when HTTP fails (e.g. a relay behind a proxy without /api/shards). */
  readonly socket?: ShardTransport;
}

/**
 * Reads: this device's cache first, then each relay over HTTP, then the WebSocket. Whatever arrives is
 * verified against its hash before it is cached or returned, so a bad relay costs a retry, never a wrong byte.
 */
export class CachingTransport implements ShardTransport {
  constructor(private readonly options: CachingTransportOptions) {}

  async storeShard(): Promise<StoreReceipt> {
    throw new PeerTreeError('FORBIDDEN', 'the caching transport only reads');
  }

  async fetchShard(hash: string): Promise<Uint8Array> {
    const cached = await this.options.cache.get(hash);
    if (cached) return cached;
    const errors: string[] = [];
    // Whether every source that answered said it has no such shard (then the file is gone, not unreachable).
    let answered = 0;
    let notFound = 0;
    const note = (where: string, err: unknown): void => {
      const e = toPeerTreeError(err);
      if (e.code === 'NOT_FOUND') notFound++;
      if (e.code === 'NOT_FOUND' || e.refused) answered++;
      errors.push(`${where}: ${e.message}`);
    };
    for (const relay of this.options.relays()) {
      try {
        const bytes = await fetchShardOverHttp(relay, hash);
        await verifyShard(hash, bytes);
        await this.keep(hash, bytes);
        return bytes;
      } catch (err) {
        note(relay, err);
      }
    }
    if (this.options.socket) {
      try {
        const bytes = await this.options.socket.fetchShard(hash);
        await verifyShard(hash, bytes);
        await this.keep(hash, bytes);
        return bytes;
      } catch (err) {
        note('socket', err);
      }
    }
    const code = answered > 0 && notFound === answered ? 'NOT_FOUND' : 'UNAVAILABLE';
    throw new PeerTreeError(
      code,
      `shard ${hash.slice(0, 12)}… is not on this device and no relay gave it (${errors.slice(0, 2).join('; ') || 'no relay'})`,
    );
  }

  private async keep(hash: string, bytes: Uint8Array): Promise<void> {
    // A full cache must not fail the open: the bytes are verified and can be used anyway.
    await this.options.cache.put(hash, bytes).catch(() => {});
  }
}
