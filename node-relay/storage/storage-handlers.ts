// The storage app's message handlers: they check who asks and what it signed, then hand the work to its parts.
//
// Claims: a client's `shard.store` must carry the sender's own signed pin; a relay forwarding a shard
// (`shard.put`) forwards the signed pins it holds. An unsigned or forged pin is refused and counted (`forgedPins`).
import { fromHex, toHex } from '../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  DEFAULT_REPLICAS,
  FIND_PARALLEL,
  LIST_STATEMENT_MAX_SKEW_MS,
  MAX_FAN_OUT_PER_REQUEST,
  MAX_REPLICAS,
  UNPIN_MAX_ASKED,
} from '../../core/limits.ts';
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
import { verifyPin, type PinRecord } from '../../core/storage/pin.ts';
import { verifyPinList } from '../../core/storage/pin-list.ts';
import { rendezvousHolders } from '../../core/storage/placement.ts';
import type { Message } from '../../core/wire/index.ts';
import type { ShardRepairer } from '../replication/shard-repairer.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { Link } from '../ws/link.ts';
import type { ShardFinder } from './shard-finder.ts';
import type { ShardPlacer } from './shard-placer.ts';
import { StoragePart, type StorageContext } from './storage-context.ts';
import type { StoreKeeper } from './store-keeper.ts';

/** The parts the handlers hand their work to. */
export interface StorageParts {
  readonly placer: ShardPlacer;
  readonly finder: ShardFinder;
  readonly keeper: StoreKeeper;
  readonly repairer: ShardRepairer;
}

export class StorageHandlers extends StoragePart {
  constructor(
    ctx: StorageContext,
    private readonly parts: StorageParts,
  ) {
    super(ctx);
  }

  /** Registers every storage message on `d`; returns the functions that unregister them. */
  register(d: Dispatcher): (() => void)[] {
    return [
      d.on(STORE, (m, link) => this.onStore(m, link)),
      d.on(PUT, (m, link) => this.onPut(m, link)),
      d.on(GET, (m, link) => this.onGet(m, link)),
      d.on(HOLDERS, (m, link) => this.onHolders(m, link)),
      d.on(UNPIN, (m, link) => this.onUnpin(m, link)),
      d.on(LIST, (m, link) => this.onList(m, link)),
    ];
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
    const holders = await this.parts.placer.place(
      hash,
      bytes,
      replicas,
      [record],
      m.payload ? m.payloadDigest : undefined,
    );
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
    let released = await this.parts.keeper.releaseHere(unpin);
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
    // The relays likely to hold a copy: the holders known here or named, and the first `target` in rendezvous
    // order. Those that do not answer (down, unreachable) are counted for the client: they keep their copy
    // until they are back and learn of the release from a relay that released (see release-handoff.ts).
    const target = Math.min(this.init.holders.target(unpin.hash) ?? DEFAULT_REPLICAS, MAX_REPLICAS);
    const likely = new Set([...this.init.holders.holders(unpin.hash), ...ranked.slice(0, target)]);
    let unreached = 0;
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
      results.forEach((r, i) => {
        if (r.status !== 'fulfilled') {
          if (likely.has(batch[i]!) && !toPeerTreeError(r.reason).refused) unreached++;
          return;
        }
        released += r.value.released;
        for (const id of r.value.holders) {
          if (asked.size > UNPIN_MAX_ASKED || asked.has(id) || !members.has(id)) continue;
          asked.add(id);
          likely.add(id);
          queue.push(id);
        }
      });
    }
    if (released === 0 && unreached > 0)
      throw new PeerTreeError(
        'UNAVAILABLE',
        `none of the relays that may keep shard ${unpin.hash.slice(0, 12)}… released it, and ${unreached} did not answer; try again later`,
      );
    if (released === 0)
      throw new PeerTreeError(
        'FORBIDDEN',
        `no pin of ${unpin.owner.slice(0, 12)}… on shard ${unpin.hash.slice(0, 12)}… to release`,
      );
    await link.reply(m, RELEASED, { hash: unpin.hash, released, ...(unreached > 0 ? { unreached } : {}) });
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
    await this.parts.keeper.keep(hash, bytes, holders, pins, m.payload ? m.payloadDigest : undefined, replicas);
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
    const bytes = local ? await this.init.store.get(hash) : await this.parts.finder.find(hash);
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
    await this.parts.repairer.onClaim(link.peerId, hash, holders);
  }

  /** Only relays of this tree (by their authenticated key) may push shards or holder sets. */
  private isMember(id: string): boolean {
    return id !== this.init.peers.selfId && this.init.peers.members().some((m) => m.id === id);
  }
}
