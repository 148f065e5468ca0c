// Placement of shard copies: the first relays in a shard's rendezvous order, retried down that order.
import { fromHex } from '../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import { HOLDERS, PUT } from '../../core/protocol/shard-messages.ts';
import { verifyShard } from '../../core/storage/file-codec.ts';
import type { PinRecord } from '../../core/storage/pin.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import { StoragePart, type StorageContext } from './storage-context.ts';
import type { StoreKeeper } from './store-keeper.ts';

export class ShardPlacer extends StoragePart {
  constructor(
    ctx: StorageContext,
    /** Keeps the copy placed on this relay itself. */
    private readonly keeper: StoreKeeper,
  ) {
    super(ctx);
  }

  /**
   * Stores a verified shard on the first `replicas` relays in rendezvous order for its hash, so that any relay
   * can later compute where it is. A refusal or time-out is retried on the next relays in that order; fails with
   * UNAVAILABLE only when the tree has no more candidates.
   */
  async place(
    hash: string,
    bytes: Uint8Array,
    replicas: number,
    pins: readonly PinRecord[],
    digest?: Uint8Array,
  ): Promise<string[]> {
    await verifyShard(hash, bytes, digest);
    const members = this.init.peers.members();
    // A tree smaller than the replica count stores what it can (one copy on each relay) and keeps the target:
    // the repair sweep adds the missing copies on the shard's rendezvous relays as relays join.
    const want = Math.min(replicas, members.length);
    if (want === 0) throw new PeerTreeError('UNAVAILABLE', 'this relay is not in a tree yet; try again in a moment');
    const tried = new Set<string>();
    const holders: string[] = [];
    const errors: string[] = [];
    let full = 0;
    let released: string | null = null;
    // A holder that refuses because the owners released the shard after signing its pins ends the placement: the
    // put was taken back (e.g. interrupted), and trying relays further down would only leave copies nobody wants.
    while (holders.length < want && released === null) {
      const batch = rendezvousHolders(hash, members, want - holders.length, tried);
      if (batch.length === 0) break;
      for (const m of batch) tried.add(m.id);
      const planned = [...holders, ...batch.map((m) => m.id)];
      const results = await Promise.allSettled(
        batch.map((m) => this.putOn(m.id, hash, bytes, planned, pins, replicas)),
      );
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') holders.push(batch[i]!.id);
        else {
          const err = toPeerTreeError(r.reason);
          if (err.code === 'FULL') full++;
          if (err.code === 'RELEASED') released = err.message;
          errors.push(`${batch[i]!.id}: ${err.message}`);
        }
      });
    }
    if (released !== null) throw new PeerTreeError('RELEASED', released);
    if (holders.length < want) {
      // Every relay that refused was full (or the key's quota there used up): say so, it is not a passing failure.
      const code = errors.length > 0 && full === errors.length ? 'FULL' : 'UNAVAILABLE';
      throw new PeerTreeError(
        code,
        `only ${holders.length} of ${want} relays accepted the shard (${errors.slice(0, 3).join('; ')})`,
      );
    }
    if (holders.length < replicas) this.counters.storedBelowTarget++;
    this.init.holders.set(hash, holders);
    this.init.holders.setTarget(hash, replicas);
    // Tell every holder the final set (retries may have changed it): they need it to repair later.
    this.announce(hash, holders);
    return holders;
  }

  /**
   * Tells the other holders of `hash` that this relay holds it: its own claim only (receivers believe nothing
   * else; they learn of the other holders from their own claims and audits). Best effort: sweeps audit anyway.
   */
  private announce(hash: string, holders: readonly string[]): void {
    const self = this.init.peers.selfId;
    if (!holders.includes(self)) return;
    for (const id of holders) {
      if (id === self) continue;
      void this.init.peers
        .linkTo(id)
        .then((link) => link.send(HOLDERS, { hash, holders: [self] }))
        .catch((err: unknown) => this.init.logger.debug('holder update not sent', { to: id, error: String(err) }));
    }
  }

  /** Sends a shard to `id` (or keeps it here). Callers pass only bytes already verified against `hash`. */
  async putOn(
    id: string,
    hash: string,
    bytes: Uint8Array,
    planned: string[],
    pins: readonly PinRecord[],
    replicas: number,
  ): Promise<void> {
    // The bytes were verified against their name, so the name is their digest: no need to hash them again.
    const digest = fromHex(hash);
    if (id === this.init.peers.selfId) {
      await this.keeper.keep(hash, bytes, planned, pins, digest, replicas);
      return;
    }
    const link = await this.init.peers.linkTo(id);
    // The target goes along: on a tree smaller than it, `planned` is shorter, and every holder must top it up.
    await link.request(PUT, { hash, holders: planned, pins, replicas }, this.timeoutMs, {
      payload: bytes,
      payloadDigest: digest,
    });
  }
}
