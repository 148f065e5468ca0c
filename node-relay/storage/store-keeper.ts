// Keeping shards on this relay: the owners' signed pins, each owner's quota (concurrent stores counted), and
// releasing a pin (the shard is collected when none is left).
import { PeerTreeError } from '../../core/errors.ts';
import { MAX_PINNED_BYTES_PER_OWNER, MAX_PINS_PER_OWNER, MAX_REPLICAS } from '../../core/limits.ts';
import type { PinRecord, PinStatement } from '../../core/storage/pin.ts';
import { shardCost } from './file-shard-store.ts';
import { StoragePart } from './storage-context.ts';

export class StoreKeeper extends StoragePart {
  /**
   * Per key, the shards (hash → cost) whose store passed the quota check and is still being written: counted
   * against the key's quota until their pins are in the index, so that concurrent stores cannot share one slot.
   */
  private readonly pendingQuota = new Map<string, Map<string, number>>();

  /**
   * Stores a shard with its pins and holder set on this relay. Every pin must be a signed pin its caller verified
   * (onStore, onPut); a shard nobody signed for is not kept. `digest`: see ShardStore.put.
   */
  async keep(
    hash: string,
    bytes: Uint8Array,
    holders: readonly string[],
    pins: readonly PinRecord[],
    digest?: Uint8Array,
    replicas: number | null = null,
  ): Promise<void> {
    if (pins.length === 0 || pins.some((p) => p.sig === '')) {
      this.counters.forgedPins++;
      this.counters.refused++;
      throw new PeerTreeError('FORBIDDEN', `shard ${hash.slice(0, 12)}… needs its owners' signed pins`);
    }
    const quota = this.init.quota ?? MAX_PINS_PER_OWNER;
    const quotaBytes = this.init.quotaBytes ?? MAX_PINNED_BYTES_PER_OWNER;
    const cost = (this.init.costOf ?? shardCost)(bytes.length);
    const charged: string[] = [];
    for (const pin of pins) {
      const pending = this.pendingQuota.get(pin.owner);
      if (this.init.pins.get(hash, pin.owner) !== undefined || pending?.has(hash) || charged.includes(pin.owner))
        continue;
      const used = this.init.pins.usageOf(pin.owner);
      // Stores of the same key still being written count too: they passed this check and their pins are not in
      // the index yet (a put sends up to PUT_WINDOW_MAX shards at once, and they must not all pass one free slot).
      let pendingBytes = 0;
      for (const c of pending?.values() ?? []) pendingBytes += c;
      const shards = used.shards + (pending?.size ?? 0);
      if (shards >= quota || used.bytes + pendingBytes + cost > quotaBytes) {
        this.counters.refused++;
        const what = shards >= quota ? `${quota} shards` : `${quotaBytes} bytes`;
        throw new PeerTreeError(
          'FULL',
          `storage quota of key ${pin.owner.slice(0, 12)}… is used up on this relay (${what})`,
        );
      }
      charged.push(pin.owner);
    }
    for (const owner of charged) {
      const pending = this.pendingQuota.get(owner) ?? new Map<string, number>();
      this.pendingQuota.set(owner, pending.set(hash, cost));
    }
    let kept = 0;
    try {
      await this.init.store.put(hash, bytes, digest);
      for (const pin of pins) if (this.init.pins.add(hash, pin, cost) !== 'released') kept++;
    } finally {
      for (const owner of charged) {
        const pending = this.pendingQuota.get(owner);
        pending?.delete(hash);
        if (pending?.size === 0) this.pendingQuota.delete(owner);
      }
    }
    if (kept === 0 && this.init.pins.pins(hash).length === 0) {
      // Every pin it came with was released here after it was signed (a replayed copy): nothing keeps it. RELEASED,
      // its own code, so that the placer stops on it (see ShardPlacer) without reading the words.
      await this.init.store.delete(hash);
      this.counters.refused++;
      throw new PeerTreeError(
        'RELEASED',
        `shard ${hash.slice(0, 12)}… was deleted by its owner after this copy was signed; put the file again to keep it`,
      );
    }
    const set = holders.includes(this.init.peers.selfId) ? holders : [...holders, this.init.peers.selfId];
    // Only this relay itself goes into its holder index: `holders` is the sender's word about others.
    this.init.holders.add(hash, this.init.peers.selfId);
    // The target only grows (a sender can ask for more copies, up to MAX_REPLICAS, never for fewer): a holder that
    // first got the shard on a tree smaller than the target must not later release copies the target needs.
    const before = this.init.holders.target(hash);
    const asked = Math.min(replicas ?? set.length, MAX_REPLICAS);
    if (before === null || asked > before) this.init.holders.setTarget(hash, asked);
    this.counters.stored++;
  }

  /** Releases `unpin.owner`'s pin here; collects the shard when no pin is left. Returns 1 if a pin was released. */
  async releaseHere(unpin: PinStatement): Promise<number> {
    const pin = this.init.pins.get(unpin.hash, unpin.owner);
    // No pin of this owner yet: the release may have overtaken the copy it releases (an interrupted put's forward
    // still on its way), so it is remembered and that copy, pinned before the release, is refused when it lands.
    if (!pin) {
      this.init.pins.releaseEarly(unpin.hash, unpin.owner, unpin.ts, (this.init.now ?? Date.now)(), unpin.sig);
      return 0;
    }
    // The release is older than the owner's signed pin: nothing to do (and no replay possible). An unsigned pin
    // (kept from before pins had to be signed) yields to its owner's signed release.
    if (pin.sig !== '' && pin.ts >= unpin.ts) return 0;
    const remaining = this.init.pins.release(unpin.hash, unpin.owner, unpin.ts, unpin.sig);
    if (remaining === 0) {
      await this.init.store.delete(unpin.hash);
      this.init.holders.set(unpin.hash, []);
      this.counters.collected++;
    }
    return 1;
  }
}
