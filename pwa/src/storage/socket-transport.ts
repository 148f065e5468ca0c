// ShardTransport over the PWA's signed WebSocket (`shard.store` / `shard.get`), plus the relay's HTTP shard
// endpoint for reads, and a cache-first transport that keeps fetched shards in IndexedDB for offline use.
import { PeerTreeError } from '../../../core/errors.ts';
import { isNodeId } from '../../../core/identity/node-id.ts';
import { MAX_PAYLOAD_BYTES } from '../../../core/limits.ts';
import { verifyShard } from '../../../core/storage/file-codec.ts';
import type { Identity } from '../../../core/identity/identity.ts';
import { signPin } from '../../../core/storage/pin.ts';
import type { ShardStore } from '../../../core/storage/shard-store.ts';
import type { ShardTransport, StoreReceipt } from '../../../core/storage/shard-transport.ts';
import type { RelaySocket } from '../relay-socket.ts';
import { memoryId, signMemory } from '../../../core/search/memory.ts';
import type { MemoryRequest } from './outbox-sync.ts';

/** A store waits for n relays to write the shard durably; a fetch may cross the tree. */
export const STORE_TIMEOUT_MS = 60_000;
export const FETCH_TIMEOUT_MS = 30_000;

/** Stores and fetches shards through one RelaySocket; every frame is signed when it is sent. */
export class SocketShardTransport implements ShardTransport {
  /** With `owner` (the socket's key), shards can be stored, each with the owner's signed pin (signed now), and released. */
  constructor(
    private readonly socket: RelaySocket,
    private readonly owner?: Identity,
  ) {}

  async storeShard(hash: string, bytes: Uint8Array, replicas: number): Promise<StoreReceipt> {
    // Relays keep a shard only with its owner's signed pin (the socket's key): storing needs the owner key.
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'storing needs the owner key (it signs the pin)');
    const pin = await signPin(this.owner, 'pin', hash, Date.now());
    const reply = await this.socket.request('shard.store', { hash, replicas, pin }, { payload: bytes, timeoutMs: STORE_TIMEOUT_MS });
    const body = reply.body as { hash?: unknown; holders?: unknown };
    if (reply.type !== 'shard.stored' || body.hash !== hash) throw new PeerTreeError('BAD_INPUT', `unexpected reply ${reply.type} to shard.store`);
    const holders = Array.isArray(body.holders) ? [...new Set(body.holders.filter(isNodeId))] : [];
    // Never count an acknowledgement for fewer relays than asked as success.
    if (holders.length < replicas) throw new PeerTreeError('UNAVAILABLE', `the relay acknowledged ${holders.length} holders, not ${replicas}`);
    return { holders };
  }

  /** Releases this owner's pin on `hash` on the relays holding it (signed now); returns how many released it. */
  async unpin(hash: string): Promise<number> {
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'releasing needs the owner key');
    const unpin = await signPin(this.owner, 'unpin', hash, Date.now());
    const reply = await this.socket.request('shard.unpin', { unpin }, { timeoutMs: STORE_TIMEOUT_MS });
    if (reply.type !== 'shard.released') throw new PeerTreeError('BAD_INPUT', `unexpected reply ${reply.type} to shard.unpin`);
    const n = (reply.body as { released?: unknown }).released;
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  /** Signs the memory now (`signMemory`) and stores it with `memory.remember`; checks the id and the holders. */
  async remember(content: MemoryRequest, replicas: number): Promise<{ id: string; holders: string[] }> {
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'remembering needs the author key');
    const memory = await signMemory(this.owner, { text: content.text, tags: content.tags, ref: content.ref }, Date.now());
    const reply = await this.socket.request('memory.remember', { memory, replicas }, { timeoutMs: STORE_TIMEOUT_MS });
    const body = reply.body as { id?: unknown; holders?: unknown };
    const id = await memoryId(memory);
    if (reply.type !== 'memory.stored' || body.id !== id) throw new PeerTreeError('BAD_INPUT', `unexpected reply ${reply.type} to memory.remember`);
    const holders = Array.isArray(body.holders) ? [...new Set(body.holders.filter(isNodeId))] : [];
    if (holders.length < replicas) throw new PeerTreeError('UNAVAILABLE', `the relay acknowledged ${holders.length} holders, not ${replicas}`);
    return { id, holders };
  }

  async fetchShard(hash: string): Promise<Uint8Array> {
    const reply = await this.socket.request('shard.get', { hash }, { timeoutMs: FETCH_TIMEOUT_MS });
    if (reply.type !== 'shard.data') throw new PeerTreeError('BAD_INPUT', `unexpected reply ${reply.type} to shard.get`);
    return reply.payload ?? new Uint8Array(0);
  }
}

/** GET RELAY/api/shards/HASH: immutable, cacheable bytes (unverified here; callers check the hash). */
export async function fetchShardOverHttp(relayUrl: string, hash: string, signal?: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(new URL(`/api/shards/${hash}`, relayUrl), { signal: signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS) });
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
    for (const relay of this.options.relays()) {
      try {
        const bytes = await fetchShardOverHttp(relay, hash);
        await verifyShard(hash, bytes);
        await this.keep(hash, bytes);
        return bytes;
      } catch (err) {
        errors.push(`${relay}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (this.options.socket) {
      try {
        const bytes = await this.options.socket.fetchShard(hash);
        await verifyShard(hash, bytes);
        await this.keep(hash, bytes);
        return bytes;
      } catch (err) {
        errors.push(`socket: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    throw new PeerTreeError('UNAVAILABLE', `shard ${hash.slice(0, 12)}… is not on this device and no relay gave it (${errors.slice(0, 2).join('; ') || 'no relay'})`);
  }

  private async keep(hash: string, bytes: Uint8Array): Promise<void> {
    // A full cache must not fail the open: the bytes are verified and can be used anyway.
    await this.options.cache.put(hash, bytes).catch(() => {});
  }
}
