// ShardTransport over one link to a relay: what the CLI (and tests) use to put, get and release files.
import { PeerTreeError } from '../../core/errors.ts';
import type { Identity } from '../../core/identity/index.ts';
import { signPin } from '../../core/storage/pin.ts';
import type { ShardTransport, StoreReceipt } from '../../core/storage/shard-transport.ts';
import type { Link } from '../ws/link.ts';
import { GET, STORE, UNPIN } from './storage-messages.ts';

/** Storing waits for n relays to write the shard durably; fetching may cross the tree. */
export const STORE_TIMEOUT_MS = 60_000;
export const FETCH_TIMEOUT_MS = 60_000;

export interface OwnerKey {
  readonly identity: Identity;
  readonly now: () => number;
}

export class LinkTransport implements ShardTransport {
  /** SHA-256 of each payload received, computed by the frame verifier (see ShardTransport.digestOf). */
  private readonly digests = new WeakMap<Uint8Array, Uint8Array>();

  /** With `owner` (the key the link was opened with), shards can be stored, each with the owner's signed pin, and released. */
  constructor(
    private readonly link: Link,
    private readonly owner?: OwnerKey,
  ) {}

  async storeShard(hash: string, bytes: Uint8Array, replicas: number, digest?: Uint8Array): Promise<StoreReceipt> {
    // Relays keep a shard only with its owner's signed pin: storing needs the owner key (it must be the link's key).
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'storing needs the owner key (it signs the pin)');
    const pin = await signPin(this.owner.identity, 'pin', hash, this.owner.now());
    const reply = await this.link.request(STORE, { hash, replicas, pin }, STORE_TIMEOUT_MS, { payload: bytes, ...(digest ? { payloadDigest: digest } : {}) });
    const holders = (reply.body as { holders?: unknown }).holders;
    // Fewer than `replicas` is an answer, not a failure: a tree smaller than the replica count stores one copy
    // per relay and tops up as relays join (the caller tells the person). None at all is a failure.
    if (!Array.isArray(holders) || holders.length < 1 || holders.length > replicas || !holders.every((h) => typeof h === 'string')) {
      throw new PeerTreeError('UNAVAILABLE', 'the relay stored the shard on no relay');
    }
    return { holders: holders as string[] };
  }

  async fetchShard(hash: string): Promise<Uint8Array> {
    const reply = await this.link.request(GET, { hash }, FETCH_TIMEOUT_MS);
    if (!reply.payload) return new Uint8Array(0);
    if (reply.payloadDigest) this.digests.set(reply.payload, reply.payloadDigest);
    return reply.payload;
  }

  digestOf(bytes: Uint8Array): Uint8Array | undefined {
    return this.digests.get(bytes);
  }

  /** Releases the owner's pin on `hash` on every relay that holds it; returns how many released it. */
  async unpin(hash: string): Promise<number> {
    if (!this.owner) throw new PeerTreeError('BAD_INPUT', 'unpin needs the owner key');
    const unpin = await signPin(this.owner.identity, 'unpin', hash, this.owner.now());
    const reply = await this.link.request(UNPIN, { unpin }, FETCH_TIMEOUT_MS);
    const n = (reply.body as { released?: unknown }).released;
    return typeof n === 'number' ? n : 0;
  }
}
