// The storage application: places shards on the n relays that rank highest for their hash (rendezvous hashing),
// serves and finds shards, and keeps holder sets.
// It registers message handlers on the relay's dispatcher; the tree code knows nothing about it.
//
// Claims: every stored shard carries its owner's signed pin (core/storage/pin.ts). A client's `shard.store` must
// carry the sender's own signed pin; a relay forwarding the shard (`shard.put`, repair) forwards the signed pins
// it holds and never vouches for anyone with its own word. An unsigned or forged pin is refused and counted
// (`forgedPins`). Quotas charge each owner what a shard really costs on disk (FileShardStore.costOf).
//
// Fan-out: a client request for a shard this relay does not hold makes it ask at most MAX_FAN_OUT_PER_REQUEST
// other relays (the first ones in the shard's rendezvous order, where placement puts it), counted in `fanOut`.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  DEFAULT_REPLICAS,
  FIND_HEDGE_MS,
  FIND_INLINE_BYTES,
  FIND_MAX_ASKED,
  FIND_PARALLEL,
  LIST_STATEMENT_MAX_SKEW_MS,
  MAX_FAN_OUT_PER_REQUEST,
  MAX_PINNED_BYTES_PER_OWNER,
  MAX_PINS_PER_OWNER,
  MAX_REPLICAS,
  REQUEST_TIMEOUT_MS,
  UNPIN_MAX_ASKED,
} from '../../core/limits.ts';
import { verifyShard } from '../../core/storage/file-codec.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import type { ShardStore } from '../../core/storage/shard-store.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Logger } from '../logger.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { Link } from '../ws/link.ts';
import { fromHex, toHex } from '../../core/bytes.ts';
import { verifyPin, type PinStatement } from '../../core/storage/pin.ts';
import type { HolderIndex } from '../replication/holder-index.ts';
import type { PinIndex } from '../replication/pin-index.ts';
import type { PinRecord } from '../../core/storage/pin.ts';
import {
  DATA,
  GET,
  HOLDERS,
  LIST,
  LISTED,
  OK,
  PUT,
  readGet,
  readHolders,
  readList,
  readPut,
  readReleased,
  readStore,
  readUnpin,
  RELEASED,
  STORE,
  STORED,
  UNPIN,
} from '../../core/protocol/shard-messages.ts';
import { verifyPinList } from '../../core/storage/pin-list.ts';
import { shardCost } from './file-shard-store.ts';
import type { Peers } from '../replication/peers.ts';
import { ShardRepairer } from '../replication/shard-repairer.ts';

export interface StorageAppInit {
  readonly dispatcher: Dispatcher;
  readonly store: ShardStore;
  readonly holders: HolderIndex;
  readonly pins: PinIndex;
  readonly peers: Peers;
  readonly logger: Logger;
  /** Not used by lookups any more (they follow the rendezvous order); accepted so that callers need not change. */
  readonly random?: () => number;
  readonly requestTimeoutMs?: number;
  /** Shards one owner key may pin on this relay (default MAX_PINS_PER_OWNER). */
  readonly quota?: number;
  /** Bytes (by cost) one owner key may pin on this relay (default MAX_PINNED_BYTES_PER_OWNER). */
  readonly quotaBytes?: number;
  /** What a shard of `size` bytes costs here (default shardCost: 4 KiB blocks plus metadata). */
  readonly costOf?: (size: number) => number;
  /** Time between anti-entropy sweeps (default REPAIR_SWEEP_INTERVAL_MS; `--repair-interval`). */
  readonly repairIntervalMs?: number;
  /** The relay's clock (ms since the epoch) for the freshness of list statements (default Date.now). */
  readonly now?: () => number;
}

export interface StorageCounters {
  stored: number;
  served: number;
  forwarded: number;
  refused: number;
  collected: number;
  /** Pins refused because they were unsigned, did not verify, or were not the sender's own. */
  forgedPins: number;
  /** Requests to other relays made on behalf of clients' gets and releases (bounded per request). */
  fanOut: number;
  /** Client lookups that asked MAX_FAN_OUT_PER_REQUEST relays and stopped there. */
  fanOutExhausted: number;
  /** Shards stored on fewer relays than asked because the tree was smaller (topped up as relays join). */
  storedBelowTarget: number;
}

export class StorageApp {
  readonly counters: StorageCounters = {
    stored: 0,
    served: 0,
    forwarded: 0,
    refused: 0,
    collected: 0,
    forgedPins: 0,
    fanOut: 0,
    fanOutExhausted: 0,
    storedBelowTarget: 0,
  };
  private readonly unregister: (() => void)[] = [];
  /**
   * Per key, the shards (hash → cost) whose store passed the quota check and is still being written: counted
   * against the key's quota until their pins are in the index, so that concurrent stores cannot share one slot.
   */
  private readonly pendingQuota = new Map<string, Map<string, number>>();
  private readonly timeoutMs: number;
  readonly repairer: ShardRepairer;

  constructor(private readonly init: StorageAppInit) {
    this.timeoutMs = init.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.repairer = new ShardRepairer({
      dispatcher: init.dispatcher,
      store: init.store,
      holders: init.holders,
      pins: init.pins,
      peers: init.peers,
      logger: init.logger,
      // Only the sweep's jitter uses it; start-storage passes a secure source.
      random: init.random ?? Math.random,
      // Repair forwards the owners' signed pins, never a claim of its own.
      putOn: (id, hash, bytes, holders, target) =>
        this.putOn(id, hash, bytes, holders, init.pins.signedPins(hash), target),
      ...(init.repairIntervalMs !== undefined ? { intervalMs: init.repairIntervalMs } : {}),
      ...(init.requestTimeoutMs !== undefined ? { requestTimeoutMs: init.requestTimeoutMs } : {}),
    });
    const d = init.dispatcher;
    this.unregister.push(
      d.on(STORE, (m, link) => this.onStore(m, link)),
      d.on(PUT, (m, link) => this.onPut(m, link)),
      d.on(GET, (m, link) => this.onGet(m, link)),
      d.on(HOLDERS, (m, link) => this.onHolders(m, link)),
      d.on(UNPIN, (m, link) => this.onUnpin(m, link)),
      d.on(LIST, (m, link) => this.onList(m, link)),
    );
  }

  close(): void {
    this.repairer.close();
    for (const off of this.unregister.splice(0)) off();
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
    while (holders.length < want) {
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
          errors.push(`${batch[i]!.id}: ${err.message}`);
        }
      });
    }
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

  /** Only relays of this tree (by their authenticated key) may push shards or holder sets. */
  private isMember(id: string): boolean {
    return id !== this.init.peers.selfId && this.init.peers.members().some((m) => m.id === id);
  }

  /** Sends a shard to `id` (or keeps it here). Callers pass only bytes already verified against `hash`. */
  private async putOn(
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
      await this.keep(hash, bytes, planned, pins, digest, replicas);
      return;
    }
    const link = await this.init.peers.linkTo(id);
    // The target goes along: on a tree smaller than it, `planned` is shorter, and every holder must top it up.
    await link.request(PUT, { hash, holders: planned, pins, replicas }, this.timeoutMs, {
      payload: bytes,
      payloadDigest: digest,
    });
  }

  /**
   * Stores a shard with its pins and holder set on this relay. Every pin must be a signed pin its caller verified
   * (onStore, onPut); a shard nobody signed for is not kept. `digest`: see ShardStore.put.
   */
  private async keep(
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
      // Every pin it came with was released here after it was signed (a replayed copy): nothing keeps it.
      await this.init.store.delete(hash);
      this.counters.refused++;
      throw new PeerTreeError('FORBIDDEN', `shard ${hash.slice(0, 12)}… was released by its owners`);
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
  private async releaseHere(unpin: PinStatement): Promise<number> {
    const pin = this.init.pins.get(unpin.hash, unpin.owner);
    // No pin of this owner, or the release is older than the owner's signed pin: nothing to do (and no replay
    // possible). An unsigned pin (kept from before pins had to be signed) yields to its owner's signed release.
    if (!pin || (pin.sig !== '' && pin.ts >= unpin.ts)) return 0;
    const remaining = this.init.pins.release(unpin.hash, unpin.owner, unpin.ts);
    if (remaining === 0) {
      await this.init.store.delete(unpin.hash);
      this.init.holders.set(unpin.hash, []);
      this.counters.collected++;
    }
    return 1;
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

  private async onStore(m: Message, link: Link): Promise<void> {
    const { hash, replicas, bytes, pin } = readStore(m);
    const sender = toHex(m.fromKey);
    // The shard is kept for the sender only on the sender's own signed pin: no relay vouches for it.
    if (!pin) {
      this.counters.forgedPins++;
      this.counters.refused++;
      throw new PeerTreeError('FORBIDDEN', `${STORE}: a shard is stored only with its owner's signed pin`);
    }
    if (pin.owner !== sender || !(await verifyPin(pin))) {
      this.counters.forgedPins++;
      this.counters.refused++;
      throw new PeerTreeError('BAD_SIGNATURE', `${STORE}: the pin is not signed by the sender`);
    }
    const record: PinRecord = { owner: pin.owner, ts: pin.ts, sig: pin.sig };
    const holders = await this.place(hash, bytes, replicas, [record], m.payload ? m.payloadDigest : undefined);
    await link.reply(m, STORED, { hash, holders });
  }

  private async onUnpin(m: Message, link: Link): Promise<void> {
    const { unpin, local } = readUnpin(m);
    if (!(await verifyPin(unpin))) {
      this.counters.forgedPins++;
      throw new PeerTreeError('BAD_SIGNATURE', `${UNPIN}: the release is not signed by the owner it names`);
    }
    if (local && !this.isMember(link.peerId))
      throw new PeerTreeError('FORBIDDEN', `local ${UNPIN} is for relays of this tree`);
    let released = await this.releaseHere(unpin);
    if (local) {
      // The asking relay may not know every holder (a shard stored with more replicas than the default): name ours.
      const holders = released > 0 ? this.init.holders.holders(unpin.hash).filter((id) => id !== link.peerId) : [];
      await link.reply(m, RELEASED, { hash: unpin.hash, released, ...(holders.length > 0 ? { holders } : {}) });
      return;
    }
    // The rendezvous-ranked relays and the holders known here; then the holders that those which released a pin
    // name, so that every copy is released, bounded by UNPIN_MAX_ASKED in all.
    const self = this.init.peers.selfId;
    const ranked = rendezvousHolders(unpin.hash, this.init.peers.members(), MAX_FAN_OUT_PER_REQUEST + 1).map(
      (x) => x.id,
    );
    const queue = [...new Set([...this.init.holders.holders(unpin.hash), ...ranked])]
      .filter((id) => id !== self)
      .slice(0, MAX_FAN_OUT_PER_REQUEST);
    const asked = new Set<string>([self, ...queue]);
    const members = new Set(this.init.peers.members().map((x) => x.id));
    while (queue.length > 0) {
      const batch = queue.splice(0, FIND_PARALLEL);
      this.counters.fanOut += batch.length;
      const results = await Promise.allSettled(
        batch.map(async (id) =>
          readReleased(
            (await (await this.init.peers.linkTo(id)).request(UNPIN, { unpin, local: true }, this.timeoutMs)).body,
          ),
        ),
      );
      for (const r of results) {
        if (r.status !== 'fulfilled') continue;
        released += r.value.released;
        for (const id of r.value.holders) {
          if (asked.size > UNPIN_MAX_ASKED || asked.has(id) || !members.has(id)) continue;
          asked.add(id);
          queue.push(id);
        }
      }
    }
    if (released === 0)
      throw new PeerTreeError(
        'FORBIDDEN',
        `no pin of ${unpin.owner.slice(0, 12)}… on shard ${unpin.hash.slice(0, 12)}… to release`,
      );
    await link.reply(m, RELEASED, { hash: unpin.hash, released });
  }

  /** The owner's own pins here, one page: only for the owner itself, on a fresh statement it signed. */
  private async onList(m: Message, link: Link): Promise<void> {
    const { list, after, limit } = readList(m);
    if (list.owner !== toHex(m.fromKey)) throw new PeerTreeError('FORBIDDEN', `${LIST}: a key lists only its own pins`);
    const skew = Math.abs((this.init.now ?? Date.now)() - list.ts);
    if (skew > LIST_STATEMENT_MAX_SKEW_MS)
      throw new PeerTreeError(
        'STALE',
        `${LIST}: the statement's time is ${Math.round(skew / 1000)} s off this relay's clock`,
      );
    if (!(await verifyPinList(list)))
      throw new PeerTreeError('BAD_SIGNATURE', `${LIST}: the statement is not signed by the owner it names`);
    const rows = this.init.pins.pinsOf(list.owner, after ?? '', limit);
    const store = this.init.store;
    const pins = await Promise.all(
      rows.map(async (r) => ({
        hash: r.hash,
        size: (store.sizeOf ? await store.sizeOf(r.hash) : null) ?? r.cost,
        ts: r.ts,
      })),
    );
    await link.reply(m, LISTED, { pins, next: rows.length === limit ? rows[rows.length - 1]!.hash : null });
  }

  private async onPut(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) {
      this.counters.refused++;
      throw new PeerTreeError('FORBIDDEN', `${PUT} is for relays of this tree; clients use ${STORE}`);
    }
    const { hash, holders, bytes, pins, replicas } = readPut(m);
    // A relay forwards its clients' signed pins; a pin without a signature, or one that does not verify for the
    // owner it names, is a claim the sending relay made up: refused, and nothing of the put is kept.
    if (pins.length === 0 || pins.some((p) => p.sig === '')) {
      this.counters.forgedPins++;
      this.counters.refused++;
      throw new PeerTreeError('FORBIDDEN', `${PUT}: a shard is kept only with its owners' signed pins`);
    }
    const valid = await Promise.all(
      pins.map((p) => verifyPin({ op: 'pin', hash, owner: p.owner, ts: p.ts, sig: p.sig })),
    );
    if (valid.includes(false)) {
      this.counters.forgedPins++;
      this.counters.refused++;
      throw new PeerTreeError('BAD_SIGNATURE', `${PUT}: a pin does not verify for the owner it names`);
    }
    await this.keep(hash, bytes, holders, pins, m.payload ? m.payloadDigest : undefined, replicas);
    await link.reply(m, OK, { hash });
  }

  private async onGet(m: Message, link: Link): Promise<void> {
    const { hash, local, inline } = readGet(m);
    if (local && inline !== null) {
      const store = this.init.store;
      const size = store.sizeOf ? await store.sizeOf(hash) : ((await store.get(hash))?.length ?? null);
      if (size === null) throw new PeerTreeError('NOT_FOUND', `shard ${hash.slice(0, 12)}… is not here`);
      if (size > inline) {
        await link.reply(m, DATA, { hash, size });
        return;
      }
    }
    const bytes = local ? await this.init.store.get(hash) : await this.find(hash);
    if (!bytes) throw new PeerTreeError('NOT_FOUND', `shard ${hash.slice(0, 12)}… is not here`);
    this.counters.served++;
    // Bytes from the store or from find() were verified against `hash`: it is their digest.
    await link.reply(
      m,
      DATA,
      { hash },
      { payload: bytes, ...(bytes.length > 0 ? { payloadDigest: fromHex(hash) } : {}) },
    );
  }

  private async onHolders(m: Message, link: Link): Promise<void> {
    if (!this.isMember(link.peerId)) throw new PeerTreeError('FORBIDDEN', `${HOLDERS} is for relays of this tree`);
    const { hash, holders } = readHolders(m);
    // Only the sender's claim about itself counts; a set it vouches for about others is ignored (repair.ts).
    await this.repairer.onClaim(link.peerId, hash, holders);
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
