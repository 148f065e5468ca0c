// Self-healing of shards (ShardRepairer): an anti-entropy sweep, periodic and after every departure. The policy is pure
// (core/storage/repair-plan.ts); this shell reads shards, sends audits, and carries out the plan's effects in
// its fixed order (record, forget, copy, release). It also answers other relays' audits (`shard.audit`) and
// takes each relay's own claims about itself (`shard.holders`). An audit of a shard this relay released (the
// auditor holds a copy: it missed the release, e.g. it was down) is answered with the owners' signed releases
// first (`shard.unpin`, local), which the auditor checks as any release: anti-entropy of deletes, no vouching.
import { randomBytes } from 'node:crypto';
import { fromHex } from '../../core/bytes.ts';
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  AUDIT_NONCE_BYTES,
  DEFAULT_REPLICAS,
  MAX_REPAIR_STATE_ENTRIES,
  MIN_REPAIR_SWEEP_INTERVAL_MS,
  REPAIR_AUDIT_SPARE,
  REPAIR_AUDIT_TIMEOUT_MS,
  REPAIR_AUDITS_PER_SWEEP,
  REPAIR_COPIES_PER_SWEEP,
  REPAIR_FAILED_MEMORY_SWEEPS,
  REPAIR_LEADER_TIMEOUT_SWEEPS,
  REPAIR_RELEASES_PER_SWEEP,
  REPAIR_SHARDS_IN_FLIGHT,
  REPAIR_SHARDS_PER_SWEEP,
  REPAIR_SWEEP_INTERVAL_MS,
  REPAIR_SWEEP_JITTER_PERCENT,
  MAX_REPLICAS,
  REQUEST_TIMEOUT_MS,
} from '../../core/limits.ts';
import { auditProof } from '../../core/storage/audit.ts';
import {
  auditTargets,
  dropShards,
  emptyRepairState,
  nextSweepDelay,
  planRepair,
  repairGauges,
  type AuditResult,
  type RepairEffect,
  type RepairPolicy,
  type RepairState,
  type ShardObservation,
} from '../../core/storage/repair-plan.ts';
import type { ShardStore } from '../../core/storage/shard-store.ts';
import type { Message } from '../../core/wire/index.ts';
import type { Logger } from '../log-contract.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import type { Link } from '../ws/link.ts';
import { AUDIT, PROOF, readAudit, readProof } from '../../core/protocol/audit-messages.ts';
import type { HolderIndex } from './holder-index.ts';
import type { PinIndex } from './pin-index.ts';
import { HOLDERS } from '../../core/protocol/shard-messages.ts';
import { handOnReleases } from './release-handoff.ts';
import type { Peers } from './peers.ts';

export interface ShardRepairDeps {
  readonly dispatcher: Dispatcher;
  readonly store: ShardStore;
  readonly holders: HolderIndex;
  readonly pins: PinIndex;
  readonly peers: Peers;
  readonly logger: Logger;
  /** Stores the shard on `id` with its pins and its target replica count (the StorageApp's put path). */
  putOn(id: string, hash: string, bytes: Uint8Array, holders: string[], target: number): Promise<void>;
  /** Uniform float in [0, 1): sweep jitter. */
  readonly random: () => number;
  readonly now?: () => number;
  /** Time between sweeps (default REPAIR_SWEEP_INTERVAL_MS); leader time-out and failure memory scale with it. */
  readonly intervalMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface ShardRepairCounters {
  /** Shards whose planned copies all landed. */
  repaired: number;
  /** Shards with a copy that failed (retried at a later sweep, elsewhere). */
  repairFailed: number;
  /** Shards needing copies left (for now) to a survivor ranked before this relay. */
  repairSkipped: number;
  /** Own surplus copies released. */
  released: number;
  sweeps: number;
  auditsPassed: number;
  auditsFailed: number;
  /** Audits of this relay by others that it answered with a proof. */
  auditsAnswered: number;
  /** Owners' signed releases handed to an auditor that still held a shard this relay released. */
  releasesPushed: number;
  /** Holders sent this relay's pins of a shard they kept without some of them (lost in a crash). */
  pinsHandedOn: number;
  /** Entries of `shard.holders` about relays other than the sender: ignored. */
  holderClaimsIgnored: number;
  /** Gauge: shards held here with fewer verified holders than their target, at the last sweep that saw them. */
  underReplicated: number;
}

/** Checks the `--repair-interval` value: an integer of at least MIN_REPAIR_SWEEP_INTERVAL_MS. */
export function checkRepairInterval(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < MIN_REPAIR_SWEEP_INTERVAL_MS) {
    throw new PeerTreeError(
      'BAD_INPUT',
      `the repair interval must be an integer of at least ${MIN_REPAIR_SWEEP_INTERVAL_MS} ms`,
    );
  }
  return ms;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class ShardRepairer {
  readonly counters: ShardRepairCounters = {
    repaired: 0,
    repairFailed: 0,
    repairSkipped: 0,
    released: 0,
    sweeps: 0,
    auditsPassed: 0,
    auditsFailed: 0,
    auditsAnswered: 0,
    releasesPushed: 0,
    pinsHandedOn: 0,
    holderClaimsIgnored: 0,
    underReplicated: 0,
  };
  readonly intervalMs: number;
  private readonly policy: RepairPolicy;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private state: RepairState = emptyRepairState();
  /** Shards to look at first (their known holders left). */
  private readonly priority = new Set<string>();
  private failedCopies: { hash: string; id: string }[] = [];
  private cursor = '';
  private running: Promise<void> = Promise.resolve();
  private sweeping = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly unregister: (() => void)[] = [];

  constructor(private readonly deps: ShardRepairDeps) {
    this.intervalMs = checkRepairInterval(deps.intervalMs ?? REPAIR_SWEEP_INTERVAL_MS);
    this.timeoutMs = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.now = deps.now ?? Date.now;
    this.policy = {
      failedMemoryMs: REPAIR_FAILED_MEMORY_SWEEPS * this.intervalMs,
      leaderTimeoutMs: REPAIR_LEADER_TIMEOUT_SWEEPS * this.intervalMs,
      maxCopies: REPAIR_COPIES_PER_SWEEP,
      maxReleases: REPAIR_RELEASES_PER_SWEEP,
      maxEntries: MAX_REPAIR_STATE_ENTRIES,
      maxReplicas: MAX_REPLICAS,
    };
    this.unregister.push(deps.dispatcher.on(AUDIT, (m, link) => this.onAudit(m, link)));
    deps.peers.onDeparted((departed) => {
      for (const id of departed) {
        for (const h of deps.holders.shardsOf(id)) this.priority.add(h);
        deps.holders.forgetHolder(id);
      }
      this.kick();
    });
  }

  /** Starts the periodic sweep (the first one after a jittered interval). */
  start(): void {
    if (!this.closed && !this.timer)
      this.arm(nextSweepDelay(this.intervalMs, REPAIR_SWEEP_JITTER_PERCENT, this.deps.random));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const off of this.unregister.splice(0)) off();
  }

  /** Copies still to make for the shards held here (under-replicated ones and new members' shares). */
  get backlog(): number {
    return repairGauges(this.state).backlog;
  }

  /** Resolves when the sweep running now (if any) has finished. */
  idle(): Promise<void> {
    return this.running;
  }

  /** Runs one sweep now (after the current one); resolves when it is done. */
  sweepNow(): Promise<void> {
    this.kick();
    return this.running;
  }

  /** A member's own claim about itself: "I hold H" (it is in `holders`) or "I no longer hold H". */
  async onClaim(sender: string, hash: string, holders: readonly string[]): Promise<void> {
    if (holders.some((id) => id !== sender)) this.counters.holderClaimsIgnored++;
    if (!(await this.deps.store.has(hash))) return;
    // Only a hint: the sender is audited at the next sweep of this shard, and counted only if it passes.
    if (holders.includes(sender)) this.deps.holders.add(hash, sender);
    else this.deps.holders.remove(hash, sender);
  }

  private arm(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, delayMs);
    this.timer.unref?.();
  }

  /** Starts a sweep now, or right after the one running. */
  private kick(): void {
    if (this.closed) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    this.sweeping = true;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.sweep().catch((err: unknown) =>
            this.deps.logger.error('repair sweep failed', { error: toPeerTreeError(err).message }),
          );
        } while (this.again && !this.closed);
      } finally {
        this.sweeping = false;
        // Shards still waiting at the front (a departure touched more than one sweep takes): go on soon.
        this.arm(
          this.priority.size > 0 ? 1 : nextSweepDelay(this.intervalMs, REPAIR_SWEEP_JITTER_PERCENT, this.deps.random),
        );
      }
    })();
  }

  /** The shards of this sweep: those whose holders left first, then the next ones in hash order (wrapping). */
  private async batch(): Promise<string[]> {
    const out: string[] = [];
    for (const h of this.priority) {
      if (out.length >= REPAIR_SHARDS_PER_SWEEP) break;
      this.priority.delete(h);
      if (await this.deps.store.has(h)) out.push(h);
    }
    const room = REPAIR_SHARDS_PER_SWEEP - out.length;
    if (room > 0) {
      const page = await this.deps.store.list(this.cursor, room);
      this.cursor = page.length < room ? '' : page[page.length - 1]!;
      for (const h of page) if (!out.includes(h)) out.push(h);
    }
    return out;
  }

  private async sweep(): Promise<void> {
    const { peers, holders, store, pins } = this.deps;
    const self = peers.selfId;
    const members = peers.members().map((m) => m.id);
    // Relays that did not answer (unreachable, timed out) are not asked again in this sweep: their audits fail.
    const unreachable = new Set<string>();
    let audits = REPAIR_AUDITS_PER_SWEEP;
    const collected: string[] = [];
    const observe = async (hash: string): Promise<ShardObservation | null> => {
      const bytes = await store.get(hash).catch(() => null);
      const target = holders.target(hash) ?? DEFAULT_REPLICAS;
      if (!bytes) return { hash, target, selfHolds: false, selfOwners: [], audits: [] };
      const known = holders.holders(hash);
      const ids = auditTargets(
        hash,
        self,
        members,
        known,
        Math.min(target, MAX_REPLICAS),
        REPAIR_AUDIT_SPARE,
        MAX_REPLICAS * 2,
      );
      if (ids.length > audits) {
        this.priority.add(hash); // out of audits: first in the next sweep
        return null;
      }
      audits -= ids.length;
      const results = await Promise.all(
        ids.map(async (id) => ({ ...(await this.audit(id, hash, bytes, unreachable)), claimed: known.includes(id) })),
      );
      // An audited relay that released the shard handed us the owner's signed release first (see onAudit): our
      // copy may be collected now. Nothing of it to plan, and nothing lost.
      if (!(await store.has(hash))) {
        collected.push(hash);
        return null;
      }
      return { hash, target, selfHolds: true, selfOwners: pins.pins(hash).map((p) => p.owner), audits: results };
    };
    const observed = (await mapLimit(await this.batch(), REPAIR_SHARDS_IN_FLIGHT, observe)).filter(
      (o): o is ShardObservation => o !== null,
    );
    const failedCopies = this.failedCopies.splice(0);
    if (collected.length > 0) this.state = dropShards(this.state, collected);
    const plan = planRepair(
      this.state,
      { now: this.now(), selfId: self, members, observed, failedCopies },
      this.policy,
    );
    this.state = plan.state;
    this.counters.sweeps++;
    this.counters.repairSkipped += plan.report.deferred;
    for (const h of plan.report.postponed) this.priority.add(h);
    // One line per sweep that changes something (an operator pages on these, not on per-shard lines).
    const copies = plan.effects.filter((e) => e.kind === 'copy').length;
    const releases = plan.effects.filter((e) => e.kind === 'release').length;
    const before = {
      repaired: this.counters.repaired,
      failed: this.counters.repairFailed,
      released: this.counters.released,
    };
    if (copies > 0)
      this.deps.logger.info('repair started: copying shards that have too few holders', {
        event: 'repair.started',
        shards: copies,
        releases,
      });
    for (const effect of plan.effects) await this.perform(effect);
    this.counters.underReplicated = repairGauges(this.state).underReplicated;
    if (copies > 0 || releases > 0) {
      const copied = this.counters.repaired - before.repaired;
      const failed = this.counters.repairFailed - before.failed;
      this.deps.logger[failed > 0 ? 'warn' : 'info'](
        failed > 0 ? 'repair finished; some copies failed and are retried at the next sweep' : 'repair finished',
        {
          event: 'repair.finished',
          copied,
          failed,
          released: this.counters.released - before.released,
          underReplicated: this.counters.underReplicated,
        },
      );
    }
  }

  /** Carries out one effect of the plan. Effects arrive in EFFECT_ORDER: record, forget, copy, pins, release. */
  private async perform(effect: RepairEffect): Promise<void> {
    const { holders, store, pins, peers, logger } = this.deps;
    const self = peers.selfId;
    switch (effect.kind) {
      case 'record':
        holders.set(effect.hash, effect.holders);
        return;
      case 'forget': {
        // Our copy is gone (deleted or corrupt on disk): say so to the holders we know; they repair.
        const known = holders.holders(effect.hash).filter((id) => id !== self);
        await store.delete(effect.hash).catch(() => false);
        pins.forget(effect.hash);
        holders.set(effect.hash, []);
        this.state = dropShards(this.state, [effect.hash]);
        for (const id of known) this.claim(id, effect.hash, false);
        logger.warn('lost a shard copy (an audit found it missing or corrupt); repair restores it', {
          event: 'repair.lost_copy',
          hash: effect.hash,
        });
        return;
      }
      case 'copy': {
        const bytes = await store.get(effect.hash).catch(() => null);
        if (!bytes) return;
        logger.debug('copying a shard', { hash: effect.hash, to: effect.to });
        let ok = true;
        await Promise.all(
          effect.to.map(async (id) => {
            try {
              await this.deps.putOn(id, effect.hash, bytes, [...effect.holders], effect.target);
              holders.add(effect.hash, id); // its own signed reply: a claim, audited at the next sweep
            } catch (err) {
              ok = false;
              this.failedCopies.push({ hash: effect.hash, id });
              logger.debug('repair copy failed', { hash: effect.hash, to: id, error: toPeerTreeError(err).message });
            }
          }),
        );
        if (ok) this.counters.repaired++;
        else this.counters.repairFailed++;
        logger.debug('copied a shard', { hash: effect.hash, ok });
        return;
      }
      case 'pins': {
        // The same store a copy is: the holder keeps the bytes it has and adds the pins it lacked.
        const bytes = await store.get(effect.hash).catch(() => null);
        if (!bytes) return;
        await Promise.all(
          effect.to.map(async (id) => {
            try {
              await this.deps.putOn(id, effect.hash, bytes, [...effect.holders], effect.target);
              this.counters.pinsHandedOn++;
            } catch (err) {
              this.failedCopies.push({ hash: effect.hash, id });
              logger.debug('pins not handed on', { hash: effect.hash, to: id, error: toPeerTreeError(err).message });
            }
          }),
        );
        return;
      }
      case 'release': {
        if (!(await store.has(effect.hash))) return;
        await store.delete(effect.hash);
        pins.forget(effect.hash);
        holders.set(effect.hash, []);
        this.state = dropShards(this.state, [effect.hash]);
        this.counters.released++;
        for (const id of effect.holders) if (id !== self) this.claim(id, effect.hash, false);
        logger.debug('released a surplus copy', { hash: effect.hash, kept: effect.holders });
        return;
      }
    }
  }

  /** Sends this relay's own claim about `hash` to `id` (best effort). */
  private claim(id: string, hash: string, holds: boolean): void {
    void this.deps.peers
      .linkTo(id)
      .then((link) => link.send(HOLDERS, { hash, holders: holds ? [this.deps.peers.selfId] : [] }))
      .catch((err: unknown) => this.deps.logger.debug('holder claim not sent', { to: id, error: String(err) }));
  }

  /** Challenges `id` to prove it holds `hash` now; this relay's own verified copy gives the expected answer. */
  private async audit(id: string, hash: string, bytes: Uint8Array, unreachable: Set<string>): Promise<AuditResult> {
    if (!unreachable.has(id)) {
      const nonce = new Uint8Array(randomBytes(AUDIT_NONCE_BYTES));
      try {
        const expected = await auditProof(nonce, id, bytes);
        const link = await this.deps.peers.linkTo(id);
        const reply = await link.request(
          AUDIT,
          { hash, nonce: Buffer.from(nonce).toString('hex') },
          Math.min(this.timeoutMs, REPAIR_AUDIT_TIMEOUT_MS),
        );
        const answer = readProof(reply, hash);
        if (answer && answer.proof === expected) {
          this.counters.auditsPassed++;
          return { id, ok: true, owners: answer.owners };
        }
      } catch (err) {
        // NOT_FOUND: it answered that it does not hold it. Anything else (no link, time-out): it is not asked again.
        if (toPeerTreeError(err).code !== 'NOT_FOUND') unreachable.add(id);
      }
    }
    this.counters.auditsFailed++;
    return { id, ok: false };
  }

  private async onAudit(m: Message, link: Link): Promise<void> {
    const { peers, store, pins } = this.deps;
    if (link.peerId === peers.selfId || !peers.members().some((x) => x.id === link.peerId)) {
      throw new PeerTreeError('FORBIDDEN', `${AUDIT} is for relays of this tree`);
    }
    const { hash, nonce } = readAudit(m);
    const bytes = await store.get(hash);
    if (!bytes) {
      this.counters.releasesPushed += await handOnReleases(pins, link, hash, this.timeoutMs, this.deps.logger);
      throw new PeerTreeError('NOT_FOUND', `shard ${hash.slice(0, 12)}… is not here`);
    }
    const proof = await auditProof(fromHex(nonce), peers.selfId, bytes);
    this.counters.auditsAnswered++;
    await link.reply(m, PROOF, {
      hash,
      proof,
      owners: pins
        .pins(hash)
        .map((p) => p.owner)
        .slice(0, 64),
    });
  }
}
