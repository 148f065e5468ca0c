// A client's direct links to the tree's members, opened on first use and shared by every shard of a transfer: the
// link pool of the RoutedTransport.
//
// Trust: a link counts only when its handshake proved the key of the member id it was dialled for; one that failed
// or proved another key marks that member broken for the rest of the transfer (the entry relay answers instead).
import { PeerTreeError } from '../../core/errors.ts';
import type { Identity } from '../../core/identity/index.ts';
import { ShardClient, type OwnerKey } from '../../core/protocol/shard-client.ts';
import { MAX_ROUTED_LINKS } from '../../core/limits.ts';
import type { Link } from '../ws/link.ts';

export interface DirectMember {
  readonly id: string;
  readonly url: string;
}

export class DirectLinks {
  private readonly pending = new Map<string, Promise<{ link: Link; transport: ShardClient }>>();
  /** Members whose link is up (its handshake done): a shard can be asked of them without waiting. */
  private readonly ready = new Set<string>();
  /** Members whose direct link failed or proved another key: not tried again by this pool. */
  private readonly broken = new Set<string>();
  private closed = false;

  constructor(
    private readonly connect: (url: string, identity?: Identity) => Promise<Link>,
    private readonly owner?: OwnerKey,
  ) {}

  isBroken(id: string): boolean {
    return this.broken.has(id);
  }

  isReady(id: string): boolean {
    return this.ready.has(id);
  }

  /** Takes `id` out of the routes (its link died mid-transfer). */
  markBroken(id: string): void {
    this.broken.add(id);
    this.ready.delete(id);
  }

  brokenIds(): readonly string[] {
    return [...this.broken];
  }

  /**
   * Starts opening `member`'s link if it is not open or opening (errors are kept for the next `client` call).
   * Called for every holder of every shard: a link already open or opening costs one map look-up, no promise.
   */
  open(member: DirectMember): void {
    if (this.closed || this.broken.has(member.id) || this.pending.has(member.id)) return;
    this.client(member).catch(() => {});
  }

  /** The member's shard client, opening its link on first use (at most MAX_ROUTED_LINKS links). */
  async client(member: DirectMember): Promise<ShardClient> {
    // Shards still in flight when the command gave up must not open links nobody will close.
    if (this.closed) throw new PeerTreeError('CLOSED', 'the transfer was closed');
    let pending = this.pending.get(member.id);
    if (!pending) {
      if (this.pending.size >= MAX_ROUTED_LINKS) throw new Error('too many direct links');
      pending = (async () => {
        const link = await this.connect(member.url, this.owner?.identity);
        if (link.peerId !== member.id) {
          link.close(1000, 'not the member it was dialled for');
          throw new Error(`${member.url} proved key ${link.peerId}, not member ${member.id}`);
        }
        if (this.closed) {
          link.close(1000, 'done');
          throw new PeerTreeError('CLOSED', 'the transfer was closed');
        }
        this.ready.add(member.id);
        return { link, transport: new ShardClient(link, this.owner) };
      })();
      this.pending.set(member.id, pending);
      pending.catch(() => {
        this.markBroken(member.id);
        this.pending.delete(member.id);
      });
    }
    return (await pending).transport;
  }

  /** Closes every direct link (opening ones as they open). */
  close(): void {
    this.closed = true;
    for (const pending of this.pending.values())
      void pending.then(
        ({ link }) => link.close(1000, 'done'),
        () => {},
      );
    this.pending.clear();
    this.ready.clear();
  }
}
