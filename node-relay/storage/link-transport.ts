// ShardTransport over one link to a relay: what the CLI (and tests) use to put and get files.
import { PeerTreeError } from '../../core/errors.ts';
import type { ShardTransport, StoreReceipt } from '../../core/storage/shard-transport.ts';
import type { Link } from '../ws/link.ts';
import { GET, STORE } from './storage-messages.ts';

/** Storing waits for n relays to write the shard durably; fetching may cross the tree. */
export const STORE_TIMEOUT_MS = 60_000;
export const FETCH_TIMEOUT_MS = 60_000;

export class LinkTransport implements ShardTransport {
  constructor(private readonly link: Link) {}

  async storeShard(hash: string, bytes: Uint8Array, replicas: number): Promise<StoreReceipt> {
    const reply = await this.link.request(STORE, { hash, replicas }, STORE_TIMEOUT_MS, { payload: bytes });
    const holders = (reply.body as { holders?: unknown }).holders;
    if (!Array.isArray(holders) || holders.length < replicas) throw new PeerTreeError('UNAVAILABLE', 'relay acknowledged fewer holders than asked');
    return { holders: holders as string[] };
  }

  async fetchShard(hash: string): Promise<Uint8Array> {
    const reply = await this.link.request(GET, { hash }, FETCH_TIMEOUT_MS);
    return reply.payload ?? new Uint8Array(0);
  }
}
