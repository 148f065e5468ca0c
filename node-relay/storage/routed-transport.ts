// ShardTransport that takes each shard straight to the relay ranked first for its hash (rendezvous order over the
// tree's members), so the relay the client entered by neither forwards gets nor sends puts on; falls back to the
// entry relay whenever the direct route is unknown or fails.
//
// Why: placement is hash-derived (core/storage/placement.ts), so the client can compute where a shard lives.
// Through the entry relay alone, a shard it does not hold crosses TLS twice more (holder → entry → client on a
// get; entry → each holder on a put, the entry sending a fourth copy when it is not a holder itself), and every
// shard of the file goes through that one relay's event loop. Routed, each shard crosses TLS once per copy and
// the shards of one file come from (and go to) several relays at once.
//
// Trust: the member list comes from the entry relay (its public status), and every direct link's handshake must
// prove the key of the member id it was dialled for; otherwise the route is dropped and the entry relay used.
// When the entry relay itself goes away mid-command, the other members are asked directly (failover).
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import type { ShardTransport, StoreReceipt } from '../../core/storage/shard-transport.ts';
import type { Identity } from '../../core/identity/index.ts';
import type { Link } from '../ws/link.ts';
import { ShardClient, type OwnerKey } from '../../core/protocol/shard-client.ts';
import { DEFAULT_REPLICAS, DEFAULT_SHARD_BYTES, MAX_FAILOVER_RELAYS, MAX_ROUTED_LINKS } from '../../core/limits.ts';
import { answered, failed, started, windowSize, type SwarmStats } from '../../core/storage/swarm-policy.ts';
import { DirectLinks } from './direct-links.ts';
import { swarmFetch } from './swarm-fetch.ts';
import { systemClock, systemTimers, type Timers } from '../components.ts';

export interface RouteMember {
  readonly id: string;
  readonly url: string;
}

export interface RoutedTransportInit {
  /** The link to the relay the client entered by; it answers whatever cannot be routed. */
  readonly entry: Link;
  /** The tree's members (id and URL of each), as the entry relay lists them. Empty: nothing is routed. */
  readonly members: readonly RouteMember[];
  /** Opens an authenticated link to a relay (the connector's connect, with this client's identity). */
  readonly connect: (url: string, identity?: Identity) => Promise<Link>;
  /** With it, stored shards carry the owner's signed pins (as ShardClient). */
  readonly owner?: OwnerKey;
  /** Copies of each shard the tree keeps (the holders a get may ask): default DEFAULT_REPLICAS. */
  readonly copies?: number;
  /** Monotonic clock (ms) and timers of the swarming get; default the system's monotonic clock and timers. */
  readonly now?: () => number;
  readonly timers?: Timers;
}

/** A link that closed, timed out or could not be opened: worth asking another relay. */
function isLinkFailure(err: unknown): boolean {
  const code = toPeerTreeError(err).code;
  return (
    code === 'CLOSED' ||
    code === 'TIMEOUT' ||
    (code === 'UNAVAILABLE' && /cannot connect|closed|ECONN|socket/i.test(toPeerTreeError(err).message))
  );
}

export class RoutedTransport implements ShardTransport {
  private readonly entry: ShardClient;
  private readonly links: DirectLinks;
  private readonly digests = new WeakMap<Uint8Array, Uint8Array>();
  /** Shards taken to their first-ranked relay directly, and shards that went through the entry relay. */
  readonly counts = { direct: 0, entry: 0, failover: 0, hedged: 0 };
  /** Shards fetched from each relay (id → count), for the bench and tests: how the load spread. */
  readonly fetchedFrom = new Map<string, number>();
  /** Per-holder estimates of the swarming get (core/storage/swarm-policy.ts). */
  private readonly swarm: { current: SwarmStats } = { current: {} };
  /** Per-relay estimates of the put: acknowledgement rate and time (a shard's every copy durable). */
  private readonly puts: { current: SwarmStats } = { current: {} };
  /** Set once the entry link failed: later shards go to the other members straight away. */
  private entryDown = false;

  constructor(private readonly init: RoutedTransportInit) {
    this.entry = new ShardClient(init.entry, init.owner);
    this.links = new DirectLinks(init.connect, init.owner);
  }

  /**
   * A shard goes to the relay ranked first for its hash (which keeps one copy and places the others); how fast
   * and how soon each relay acknowledges is measured, so that `putWindow` keeps enough shards in flight to fill
   * the link while each waits for its copies to be durable.
   */
  async storeShard(hash: string, bytes: Uint8Array, replicas: number, digest?: Uint8Array): Promise<StoreReceipt> {
    const target = rendezvousHolders(hash, this.init.members, 1)[0];
    const id = target?.id ?? this.init.entry.peerId;
    const now = this.init.now ?? systemClock.monotonic;
    const sentAt = now();
    this.puts.current = started(this.puts.current, id);
    try {
      const receipt = await this.routed(hash, (t) => t.storeShard(hash, bytes, replicas, digest), false, target);
      this.puts.current = answered(this.puts.current, id, bytes.length, sentAt, now());
      return receipt;
    } catch (err) {
      this.puts.current = failed(this.puts.current, id);
      throw err;
    }
  }

  /** Shards to keep in flight for a put: the same bandwidth-delay policy as a get, over the relays' acknowledgements. */
  putWindow(): number {
    return windowSize(this.puts.current, DEFAULT_SHARD_BYTES, this.memberIds());
  }

  /** The members shards are routed to (each is some shard's first-ranked relay); none when nothing is routed. */
  private memberIds(): string[] {
    return this.init.members.filter((m) => !this.links.isBroken(m.id)).map((m) => m.id);
  }

  /**
   * Opens the direct links to every member at once (a transfer of several shards is starting), when there are few
   * enough for all of them to be open at once; in a larger tree each opens when a shard first names its relay, so
   * that the links held are those the shards need.
   */
  prepare(): void {
    if (this.init.members.length > MAX_ROUTED_LINKS) return;
    for (const m of this.init.members) if (m.id !== this.init.entry.peerId) this.links.open(m);
  }

  /**
   * Swarming get: the shard is asked of one of the relays that hold it (the `copies` ranked first for its hash),
   * the one the policy expects to answer first given what each has in flight, hedged to a second holder when it
   * straggles; then, as before, the entry relay (which looks further) and the failover.
   */
  async fetchShard(hash: string): Promise<Uint8Array> {
    const entryId = this.init.entry.peerId;
    const ranked = rendezvousHolders(hash, this.init.members, this.init.copies ?? DEFAULT_REPLICAS).filter(
      (m) => !this.links.isBroken(m.id),
    );
    const holders = ranked.map((m) => m.id);
    // Links open when a shard first names their relay. A shard none of whose holders has its link up yet is asked
    // of the entry relay (whose link is) instead of waiting 4-5 round trips for a handshake: the manifest, and the
    // first shards of a get while the links open. Otherwise every holder stays a candidate, those already up first
    // (the policy breaks ties by that order): taking only the ones up crowded the first of them and, measured on
    // the WAN suite, set off hedges whose duplicate shards took 30-40 % more bytes over the client's link.
    for (const m of ranked) if (m.id !== entryId) this.links.open(m);
    const isUp = (id: string) => (id === entryId ? !this.entryDown : this.links.isReady(id));
    const up = holders.filter(isUp);
    const candidates = up.length > 0 || this.entryDown ? [...up, ...holders.filter((id) => !isUp(id))] : [];
    if (candidates.length > 0) {
      try {
        const { bytes, from } = await swarmFetch(candidates, DEFAULT_SHARD_BYTES, {
          stats: this.swarm,
          ask: (id) => this.askHolder(id, hash),
          now: this.init.now ?? systemClock.monotonic,
          timers: this.init.timers ?? systemTimers,
          onHedge: () => this.counts.hedged++,
        });
        if (from === this.init.entry.peerId) this.counts.entry++;
        else this.counts.direct++;
        this.fetchedFrom.set(from, (this.fetchedFrom.get(from) ?? 0) + 1);
        return bytes;
      } catch {
        // Every holder refused or failed (full, restarting, gone): the entry relay finds another way.
      }
    }
    return this.routed(hash, (t) => this.fetchVia(t, hash), true);
  }

  /** The swarming get's per-holder estimates so far (for the bench's trace and tests). */
  holderStats(): SwarmStats {
    return this.swarm.current;
  }

  /** Shards to keep in flight for a get: the policy's window over the holders measured so far. */
  window(): number {
    return windowSize(this.swarm.current, DEFAULT_SHARD_BYTES);
  }

  private async fetchVia(t: ShardClient, hash: string): Promise<Uint8Array> {
    const bytes = await t.fetchShard(hash);
    const digest = t.digestOf(bytes);
    if (digest) this.digests.set(bytes, digest);
    return bytes;
  }

  /** Asks holder `id` for a shard; a dead link takes that relay out of this transport's routes. */
  private async askHolder(id: string, hash: string): Promise<Uint8Array> {
    try {
      return await this.fetchVia(await this.clientFor(id), hash);
    } catch (err) {
      if (isLinkFailure(err)) {
        if (id === this.init.entry.peerId) this.entryDown = true;
        else this.links.markBroken(id);
      }
      throw err;
    }
  }

  /** The client for member `id`: the entry link's for the entry relay, else a direct link. */
  private async clientFor(id: string): Promise<ShardClient> {
    if (id === this.init.entry.peerId) {
      if (this.entryDown) throw new PeerTreeError('CLOSED', 'the entry link is down');
      return this.entry;
    }
    const member = this.init.members.find((m) => m.id === id);
    if (!member) throw new PeerTreeError('NOT_FOUND', `no member ${id}`);
    return this.links.client(member);
  }

  digestOf(bytes: Uint8Array): Uint8Array | undefined {
    return this.digests.get(bytes);
  }

  /** A release goes to the relay ranked first for the shard, which asks every holder (see StorageApp's unpin). */
  unpin(hash: string): Promise<number> {
    return this.routed(hash, (t) => t.unpin(hash));
  }

  /** Closes the direct links (not the entry link, which the caller owns). */
  close(): void {
    this.links.close();
  }

  /** `target`: the relay ranked first for `hash`, when the caller has already looked it up. */
  private async routed<T>(
    hash: string,
    op: (t: ShardClient) => Promise<T>,
    skipDirect = false,
    target: RouteMember | undefined = rendezvousHolders(hash, this.init.members, 1)[0],
  ): Promise<T> {
    if (!skipDirect && target && target.id !== this.init.entry.peerId && !this.links.isBroken(target.id)) {
      const transport = await this.links.client(target).catch(() => null);
      if (transport) {
        try {
          const out = await op(transport);
          this.counts.direct++;
          return out;
        } catch {
          // A refusal or failure there (full, restarting, gone): the entry relay finds another way.
        }
      }
    }
    if (!this.entryDown) {
      try {
        const out = await op(this.entry);
        this.counts.entry++;
        return out;
      } catch (err) {
        // A refusal (NOT_FOUND, FULL, FORBIDDEN …) is the tree's answer and stands; a dead entry link is not.
        if (!isLinkFailure(err) || this.init.members.length === 0) throw err;
        this.entryDown = true;
      }
    }
    return this.failover(hash, op, target?.id);
  }

  /**
   * The entry relay is gone: the other members in the shard's rendezvous order, each asked directly (any
   * member can answer for any shard), at most MAX_FAILOVER_RELAYS of them. Fails with the last error.
   */
  private async failover<T>(hash: string, op: (t: ShardClient) => Promise<T>, tried?: string): Promise<T> {
    const skip = new Set([this.init.entry.peerId, ...this.links.brokenIds(), ...(tried ? [tried] : [])]);
    let last: unknown = new PeerTreeError(
      'CLOSED',
      'the relay this command entered by is gone, and no other relay answered',
    );
    for (const m of rendezvousHolders(hash, this.init.members, MAX_FAILOVER_RELAYS, skip)) {
      const transport = await this.links.client(m).catch((err: unknown) => ((last = err), null));
      if (!transport) continue;
      try {
        const out = await op(transport);
        this.counts.failover++;
        return out;
      } catch (err) {
        last = err;
        if (!isLinkFailure(err)) throw err;
      }
    }
    throw last;
  }
}
