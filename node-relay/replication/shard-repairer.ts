// Self-healing of shards (ShardRepairer): an anti-entropy sweep, periodic and after every departure. The policy is pure
// (core/storage/repair-plan.ts); this shell reads shards, sends audits (shard-audits.ts, which also answers other
// relays' audits), and carries out the plan's effects in its fixed order (record, forget, copy, pins, release:
// repair-effects.ts). It takes each relay's own claims about itself (`shard.holders`) as hints whom to audit.
import { PeerTreeError, toPeerTreeError } from '../../core/errors.ts';
import {
  DEFAULT_REPLICAS,
  MAX_REPAIR_STATE_ENTRIES,
  MIN_REPAIR_SWEEP_INTERVAL_MS,
  REPAIR_AUDIT_SPARE,
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
import {
  auditTargets,
  dropShards,
  emptyRepairState,
  nextSweepDelay,
  planRepair,
  repairGauges,
  type RepairPolicy,
  type RepairState,
  type ShardObservation,
} from '../../core/storage/repair-plan.ts';
import type { Dispatcher } from '../ws/dispatcher.ts';
import { AUDIT } from '../../core/protocol/audit-messages.ts';
import {
  performRepairEffect,
  type EffectOutcome,
  type RepairEffectCounters,
  type RepairEffectDeps,
} from './repair-effects.ts';
import { ShardAudits, type AuditCounters } from './shard-audits.ts';

export interface ShardRepairDeps extends RepairEffectDeps {
  readonly dispatcher: Dispatcher;
  /** Uniform float in [0, 1): sweep jitter. */
  readonly random: () => number;
  readonly now?: () => number;
  /** Time between sweeps (default REPAIR_SWEEP_INTERVAL_MS); leader time-out and failure memory scale with it. */
  readonly intervalMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface ShardRepairCounters extends AuditCounters, RepairEffectCounters {
  /** Shards needing copies left (for now) to a survivor ranked before this relay. */
  repairSkipped: number;
  sweeps: number;
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
  private readonly audits: ShardAudits;

  constructor(private readonly deps: ShardRepairDeps) {
    this.intervalMs = checkRepairInterval(deps.intervalMs ?? REPAIR_SWEEP_INTERVAL_MS);
    this.audits = new ShardAudits({ ...deps, timeoutMs: deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS }, this.counters);
    this.now = deps.now ?? Date.now;
    this.policy = {
      failedMemoryMs: REPAIR_FAILED_MEMORY_SWEEPS * this.intervalMs,
      leaderTimeoutMs: REPAIR_LEADER_TIMEOUT_SWEEPS * this.intervalMs,
      maxCopies: REPAIR_COPIES_PER_SWEEP,
      maxReleases: REPAIR_RELEASES_PER_SWEEP,
      maxEntries: MAX_REPAIR_STATE_ENTRIES,
      maxReplicas: MAX_REPLICAS,
    };
    this.unregister.push(deps.dispatcher.on(AUDIT, (m, link) => this.audits.onAudit(m, link)));
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
        ids.map(async (id) => ({
          ...(await this.audits.audit(id, hash, bytes, unreachable)),
          claimed: known.includes(id),
        })),
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
    const outcome: EffectOutcome = { dropped: [], failedCopies: this.failedCopies };
    for (const effect of plan.effects) await performRepairEffect(effect, this.deps, this.counters, outcome);
    this.state = dropShards(this.state, outcome.dropped);
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
}
