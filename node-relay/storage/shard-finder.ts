// Finding a shard: this relay's store, then its likely holders (hedged), then a bounded walk down its rendezvous
// order. At most FIND_MAX_ASKED other relays are asked per lookup, counted in `fanOut`.
import { PeerTreeError } from '../../core/errors.ts';
import {
  DEFAULT_REPLICAS,
  FIND_HEDGE_MS,
  FIND_INLINE_BYTES,
  FIND_MAX_ASKED,
  FIND_PARALLEL,
} from '../../core/limits.ts';
import { GET } from '../../core/protocol/shard-messages.ts';
import { verifyShard } from '../../core/storage/file-codec.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import { StoragePart } from './storage-context.ts';

export class ShardFinder extends StoragePart {
  /**
   * Fetches a shard: from this relay's store, else from the relays that rank highest for its hash (where place()
   * put it) and the holders this relay knows of, else from the next ones in its rendezvous order (data placed
   * before relays joined ahead of its holders, or by a relay that found the top-ranked ones full). At most
   * FIND_MAX_ASKED other relays are asked in all, whatever the hash: a lookup of a hash nobody holds costs the
   * tree a bounded number of requests.
   */
  async find(hash: string): Promise<Uint8Array> {
    const local = await this.init.store.get(hash);
    if (local) return local;
    const self = this.init.peers.selfId;
    const known = new Set(this.init.holders.holders(hash));
    // The shard's replica count is unknown here: the default number of top-ranked members covers every shard
    // stored with at least that many replicas, and a shard with fewer is still among them (first ones in order).
    const ranked = rendezvousHolders(hash, this.init.peers.members(), FIND_MAX_ASKED + 1)
      .map((m) => m.id)
      .filter((id) => id !== self);
    const computed = ranked.slice(0, DEFAULT_REPLICAS);
    // Computed holders this relay also knows to hold it first, then the other computed ones, then other known ones.
    const hinted = [...new Set([...computed.filter((id) => known.has(id)), ...computed, ...known])]
      .filter((id) => id !== self)
      .slice(0, FIND_MAX_ASKED);
    this.counters.fanOut += hinted.length;
    // One at a time, the next one joining when the current one fails (a relay without it says so at once) or is slow (hedged).
    const fromHinted = await hedged(hinted, (id) => this.fetchFrom(id, hash), FIND_HEDGE_MS);
    if (fromHinted) {
      this.counters.forwarded++;
      return fromHinted;
    }
    // The next members in rendezvous order, FIND_PARALLEL at a time, up to the bound: ask who has it (small
    // shards come with the answer), then fetch a large one from the first that has it, and from the batch's
    // other holders only if that fails.
    const asked = new Set(hinted);
    const others = ranked.filter((id) => !asked.has(id)).slice(0, Math.max(0, FIND_MAX_ASKED - hinted.length));
    for (let i = 0; i < others.length; i += FIND_PARALLEL) {
      const batch = others.slice(i, i + FIND_PARALLEL);
      this.counters.fanOut += batch.length;
      const probes = batch.map((id) => this.probe(id, hash).then((bytes) => ({ id, bytes })));
      const first = await firstSuccess(probes);
      if (!first) continue;
      let found = first.bytes ?? (await this.fetchFrom(first.id, hash).catch(() => null));
      if (!found) {
        const more = (await Promise.allSettled(probes)).flatMap((r) =>
          r.status === 'fulfilled' && r.value.id !== first.id ? [r.value.id] : [],
        );
        found = await hedged(more, (id) => this.fetchFrom(id, hash), FIND_HEDGE_MS);
      }
      if (found) {
        this.counters.forwarded++;
        return found;
      }
    }
    if (hinted.length + others.length >= FIND_MAX_ASKED) this.counters.fanOutExhausted++;
    throw new PeerTreeError(
      'NOT_FOUND',
      `none of the ${hinted.length + others.length} relays asked (of ${this.init.peers.members().length}) holds shard ${hash.slice(0, 12)}…`,
    );
  }

  /**
   * Asks `id` whether it holds `hash`: resolves with the verified bytes of a small shard, with null for a large
   * one it holds (fetch it with fetchFrom), and rejects when it does not hold it.
   */
  private async probe(id: string, hash: string): Promise<Uint8Array | null> {
    const link = await this.init.peers.linkTo(id);
    const reply = await link.request(GET, { hash, local: true, inline: FIND_INLINE_BYTES }, this.timeoutMs);
    if (!reply.payload) {
      const size = (reply.body as { size?: unknown }).size;
      // A large shard it holds; anything else (an empty shard) is fetched the ordinary way.
      if (typeof size === 'number' && size > FIND_INLINE_BYTES) return null;
    }
    const bytes = reply.payload ?? new Uint8Array(0);
    await verifyShard(hash, bytes, reply.payload ? reply.payloadDigest : undefined);
    return bytes;
  }

  private async fetchFrom(id: string, hash: string): Promise<Uint8Array> {
    const link = await this.init.peers.linkTo(id);
    const reply = await link.request(GET, { hash, local: true }, this.timeoutMs);
    const bytes = reply.payload ?? new Uint8Array(0);
    await verifyShard(hash, bytes, reply.payload ? reply.payloadDigest : undefined);
    return bytes;
  }
}

/**
 * Runs `attempt` on `ids` in order, starting the next one when the previous fails or has not succeeded within
 * `hedgeMs`; resolves with the first success, or null when every attempt failed.
 */
async function hedged<T>(
  ids: readonly string[],
  attempt: (id: string) => Promise<T>,
  hedgeMs: number,
): Promise<T | null> {
  if (ids.length === 0) return null;
  return new Promise((resolve) => {
    let next = 0;
    let failed = 0;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const launch = () => {
      if (done || next >= ids.length) return;
      const id = ids[next++]!;
      if (timer) clearTimeout(timer);
      timer = next < ids.length ? setTimeout(launch, hedgeMs) : null;
      attempt(id).then(
        (value) => {
          if (done) return;
          done = true;
          if (timer) clearTimeout(timer);
          resolve(value);
        },
        () => {
          failed++;
          if (done) return;
          if (failed === ids.length) {
            done = true;
            if (timer) clearTimeout(timer);
            resolve(null);
          } else launch();
        },
      );
    };
    launch();
  });
}

/** Resolves with the first fulfilled value, or null when all reject. */
async function firstSuccess<T>(attempts: Promise<T>[]): Promise<T | null> {
  if (attempts.length === 0) return null;
  return new Promise((resolve) => {
    let failed = 0;
    for (const a of attempts) {
      a.then(resolve, () => {
        failed++;
        if (failed === attempts.length) resolve(null);
      });
    }
  });
}
