// The anti-entropy policy of storage, as a pure step: `planRepair(state, input) → { state, effects, report }`.
//
// Each sweep the relay shell reads some of its own shards (verifying each against its name), audits the relays
// that should or are known to hold them (core/storage/audit.ts), and hands what it saw here. The plan says, per
// shard: which relays are verified holders (only those that proved it this sweep: never a set another relay
// vouches for), where to copy the shard so that the first `target` members in its rendezvous order hold it, and
// whether this relay's own copy is surplus and may go. Time and randomness come in with the input, so the same
// input always gives the same plan (tests drive it step by step).
//
// Rules:
// - Verified holders = this relay if its own copy read back intact, plus every member that answered this
//   sweep's audit correctly. A relay that failed an audit is not a holder; one that had claimed or proved the
//   shard before and now fails, or that refused a copy, is not sent the shard again for a while
//   (`failedMemoryMs`), so a relay that claims a shard it does not keep is repaired around.
// - Wanted holders = the first `target` members in rendezvous order, skipping relays that recently failed.
//   Copies go to wanted holders that are not verified holders; when fewer than `target` are verified the
//   shard is under-replicated, otherwise a new member just lacks its rendezvous share (misplaced).
// - Who copies: verified holders in repair rank (SHA-256 of shard hash and relay id, placement.ts); the k-th
//   acts once the shard has needed repair for k × `leaderTimeoutMs` (as this relay saw it), so a leader that
//   never acts is replaced, and normally exactly one relay does the work.
// - Surplus: with more than `target` verified holders, the first `target` of them in rendezvous order stay;
//   this relay releases its own copy only if it is not among them, all of them proved they hold the shard in
//   this sweep, and each of them holds every pin this relay has for it. A relay only ever releases its own
//   copy, and only when `target` verified holders rank above it, so the first `target` holders never release:
//   the count cannot go below the target, nor lose the only verified copy.
// - Pins: a verified holder among the first `target` whose audit answer lacks an owner whose pin this relay keeps
//   is sent the shard again with this relay's pins (the owners' signed statements, which it checks itself). A
//   holder killed after the shard's file was in place but before its pins were written keeps an intact copy
//   with no pin on restart; without this, the surplus rule above would wait for its pins for ever.
// - Work per step is bounded (`maxCopies`, `maxReleases`); the state is bounded (`maxEntries`).
import { MAX_PINS_PER_MESSAGE } from '../limits.ts';
import { rendezvousOrder, repairRank } from './placement.ts';

export interface RepairPolicy {
  /** A relay that failed an audit or refused a copy of a shard is not sent that shard again for this long. */
  readonly failedMemoryMs: number;
  /** The k-th survivor in repair rank acts after k times this. */
  readonly leaderTimeoutMs: number;
  /** Copies (shard × destination) one step orders at most. */
  readonly maxCopies: number;
  /** Own surplus copies one step releases at most. */
  readonly maxReleases: number;
  /** Entries of `needSince`, `failedUntil` and `pinsSentUntil` kept at most. */
  readonly maxEntries: number;
  /** Most replicas a shard is kept at (a holder cannot check the count it was stored with: it is capped). */
  readonly maxReplicas: number;
}

/** One audit of `id` for a shard in this sweep: `ok` when its answer proved it holds the bytes. */
export interface AuditResult {
  readonly id: string;
  readonly ok: boolean;
  /** Pin owners the audited relay says it keeps with the shard (only from a passed audit). */
  readonly owners?: readonly string[];
  /** This relay counted `id` as a holder before the audit (it claimed the shard or proved it earlier). */
  readonly claimed?: boolean;
}

export interface ShardObservation {
  readonly hash: string;
  /** The replica count the shard was stored with. */
  readonly target: number;
  /** This relay's own copy read back and matched its name. */
  readonly selfHolds: boolean;
  /** Pin owners this relay keeps with the shard. */
  readonly selfOwners: readonly string[];
  readonly audits: readonly AuditResult[];
}

export interface RepairInput {
  readonly now: number;
  readonly selfId: string;
  /** Current members (ids), this relay included. */
  readonly members: readonly string[];
  readonly observed: readonly ShardObservation[];
  /** Copies that failed since the last step (destination refused or timed out): avoided like failed audits. */
  readonly failedCopies?: readonly { readonly hash: string; readonly id: string }[];
}

export interface RepairState {
  /** Shard → when this relay first saw it needing copies (cleared when it no longer does). */
  readonly needSince: ReadonlyMap<string, number>;
  /** Missing copies per shard needing repair, as last seen: the backlog. */
  readonly missing: ReadonlyMap<string, { readonly copies: number; readonly under: boolean }>;
  /** `hash id` → until when that relay is not sent that shard. */
  readonly failedUntil: ReadonlyMap<string, number>;
  /**
   * `hash id` → until when that relay is not sent this relay's pins of the shard again: one that still answers
   * without them after it was sent them (it refuses them, or lies to be sent the bytes) costs one store a while.
   */
  readonly pinsSentUntil: ReadonlyMap<string, number>;
}

export type RepairEffect =
  /** Replace the holder index of `hash` by the holders verified in this sweep. */
  | { readonly kind: 'record'; readonly hash: string; readonly holders: readonly string[] }
  /** This relay's own copy is gone or corrupt: forget it here (other holders will repair). */
  | { readonly kind: 'forget'; readonly hash: string }
  /**
   * Send the shard (with its pins) to `to`; `holders`: the holders it is meant to have now (fewer than `target` on a
   * tree smaller than it); `target`: the replica count it was stored with, which the new holders keep and restore.
   */
  | {
      readonly kind: 'copy';
      readonly hash: string;
      readonly to: readonly string[];
      readonly holders: readonly string[];
      readonly target: number;
    }
  /** Send the shard again, with this relay's pins, to kept holders `to` that lack some (see Rules: Pins). */
  | {
      readonly kind: 'pins';
      readonly hash: string;
      readonly to: readonly string[];
      readonly holders: readonly string[];
      readonly target: number;
    }
  /** Release this relay's own surplus copy (tell `holders` it no longer holds it). */
  | { readonly kind: 'release'; readonly hash: string; readonly holders: readonly string[] };

/** Effects come out grouped in this order, and the shell performs them in it. */
export const EFFECT_ORDER: readonly RepairEffect['kind'][] = ['record', 'forget', 'copy', 'pins', 'release'];

export interface RepairReport {
  /** Shards held here with fewer verified holders than their target (as last seen). */
  readonly underReplicated: number;
  /** Copies still to make for the shards held here: under-replicated ones and new members' shares. */
  readonly backlog: number;
  readonly copiesOrdered: number;
  /** Holders sent pins they lacked (each counts against `maxCopies`). */
  readonly pinsOrdered: number;
  readonly releasesOrdered: number;
  /** Shards needing copies that this relay left to a survivor ranked before it (for now). */
  readonly deferred: number;
  /** Shards this relay should copy now but could not within `maxCopies`: to look at again first. */
  readonly postponed: readonly string[];
}

export function emptyRepairState(): RepairState {
  return { needSince: new Map(), missing: new Map(), failedUntil: new Map(), pinsSentUntil: new Map() };
}

const key = (hash: string, id: string) => `${hash} ${id}`;

/** Keeps the newest `max` entries of a map (insertion order: oldest first). */
function bounded<V>(map: Map<string, V>, max: number): Map<string, V> {
  if (map.size <= max) return map;
  const drop = map.size - max;
  let i = 0;
  for (const k of map.keys()) {
    if (i++ >= drop) break;
    map.delete(k);
  }
  return map;
}

export function planRepair(
  state: RepairState,
  input: RepairInput,
  policy: RepairPolicy,
): { state: RepairState; effects: RepairEffect[]; report: RepairReport } {
  const { now, selfId } = input;
  const needSince = new Map(state.needSince);
  const missing = new Map(state.missing);
  const failedUntil = new Map([...state.failedUntil].filter(([, until]) => until > now));
  const pinsSentUntil = new Map([...state.pinsSentUntil].filter(([, until]) => until > now));
  const memberIds = new Set(input.members);
  const members = [...memberIds].map((id) => ({ id }));
  for (const f of input.failedCopies ?? []) {
    failedUntil.delete(key(f.hash, f.id));
    failedUntil.set(key(f.hash, f.id), now + policy.failedMemoryMs);
  }

  const byKind: Record<RepairEffect['kind'], RepairEffect[]> = {
    record: [],
    forget: [],
    copy: [],
    pins: [],
    release: [],
  };
  let copiesOrdered = 0;
  let pinsOrdered = 0;
  let releasesOrdered = 0;
  let deferred = 0;
  const postponed: string[] = [];

  for (const obs of input.observed) {
    const { hash } = obs;
    if (!obs.selfHolds) {
      // Not a holder any more (lost or corrupt copy): nothing of ours to repair or release.
      byKind.forget.push({ kind: 'forget', hash });
      needSince.delete(hash);
      missing.delete(hash);
      continue;
    }
    for (const a of obs.audits) {
      // A relay without the shard fails its audit: that alone is normal (it may be where a copy should go). Only
      // one that claimed or had proved it and now fails is avoided for a while: it lost it, or it lies.
      if (!a.ok && a.claimed === true && a.id !== selfId) {
        failedUntil.delete(key(hash, a.id));
        failedUntil.set(key(hash, a.id), now + policy.failedMemoryMs);
      }
    }
    const passed = obs.audits.filter((a) => a.ok && a.id !== selfId && memberIds.has(a.id));
    const owners = new Map(passed.map((a) => [a.id, new Set(a.owners ?? [])]));
    const verified = new Set([selfId, ...passed.map((a) => a.id)]);
    const order = rendezvousOrder(hash, members).map((m) => m.id);
    const stored = Math.max(1, Math.min(Math.floor(obs.target), policy.maxReplicas));
    // A tree smaller than the target holds one copy per relay: not under-replicated until relays join.
    const target = Math.min(stored, memberIds.size);
    const holders = order.filter((id) => verified.has(id));
    byKind.record.push({ kind: 'record', hash, holders });
    // The holders that stay (the first `target` verified ones), and whether one lacks a pin this relay keeps.
    const kept = holders.slice(0, target);
    const lacksPins = (id: string) => id !== selfId && obs.selfOwners.some((o) => owners.get(id)?.has(o) !== true);

    // Pins the kept holders lack (an answer of MAX_PINS_PER_MESSAGE owners may be cut short: not read as lacking),
    // unless that holder refused the shard lately.
    const lacking = kept.filter((id) => {
      const theirs = owners.get(id);
      if (theirs === undefined || theirs.size >= MAX_PINS_PER_MESSAGE) return false;
      if ((failedUntil.get(key(hash, id)) ?? 0) > now || (pinsSentUntil.get(key(hash, id)) ?? 0) > now) return false;
      return lacksPins(id);
    });
    if (lacking.length > 0 && copiesOrdered + pinsOrdered + lacking.length <= policy.maxCopies) {
      pinsOrdered += lacking.length;
      for (const id of lacking) pinsSentUntil.set(key(hash, id), now + policy.failedMemoryMs);
      byKind.pins.push({ kind: 'pins', hash, to: lacking, holders: kept, target: stored });
    }

    // Where the shard should be: the first `target` members in rendezvous order that have not failed it lately.
    const usable = order.filter((id) => verified.has(id) || (failedUntil.get(key(hash, id)) ?? 0) <= now);
    const wanted = usable.slice(0, target);
    const under = verified.size < target;
    // Under-replicated: copies to the wanted relays lacking it, then further down until the target is met.
    const toCopy = under
      ? usable.filter((id) => !verified.has(id)).slice(0, target - verified.size)
      : wanted.filter((id) => !verified.has(id));
    if (toCopy.length > 0) {
      const since = needSince.get(hash) ?? now;
      needSince.delete(hash);
      needSince.set(hash, since);
      missing.set(hash, { copies: toCopy.length, under });
      const rank = repairRank(hash, [...verified]).indexOf(selfId);
      if (now - since < rank * policy.leaderTimeoutMs) {
        deferred++;
      } else if (copiesOrdered + pinsOrdered + toCopy.length <= policy.maxCopies) {
        copiesOrdered += toCopy.length;
        const planned = under ? order.filter((id) => verified.has(id) || toCopy.includes(id)) : wanted;
        byKind.copy.push({ kind: 'copy', hash, to: toCopy, holders: planned, target: stored });
      } else {
        postponed.push(hash);
      }
      continue;
    }
    needSince.delete(hash);
    if (under) missing.set(hash, { copies: target - verified.size, under: true });
    else missing.delete(hash);

    // Surplus: only this relay's own copy, only when `target` verified holders rank above it and keep its pins.
    if (verified.size > target && releasesOrdered < policy.maxReleases) {
      if (!kept.includes(selfId) && kept.length === target && !kept.some(lacksPins)) {
        releasesOrdered++;
        byKind.release.push({ kind: 'release', hash, holders: kept });
      }
    }
  }

  let underReplicated = 0;
  let backlog = 0;
  for (const m of missing.values()) {
    if (m.under) underReplicated++;
    backlog += m.copies;
  }
  return {
    state: {
      needSince: bounded(needSince, policy.maxEntries),
      missing: bounded(missing, policy.maxEntries),
      failedUntil: bounded(failedUntil, policy.maxEntries),
      pinsSentUntil: bounded(pinsSentUntil, policy.maxEntries),
    },
    effects: EFFECT_ORDER.flatMap((k) => byKind[k]),
    report: { underReplicated, backlog, copiesOrdered, pinsOrdered, releasesOrdered, deferred, postponed },
  };
}

/**
 * Whom to audit for a shard this relay holds: the first `target + spare` members in its rendezvous order (where
 * placement and repair put it) and the holders it knows of, never itself, at most `max`.
 */
export function auditTargets(
  hash: string,
  selfId: string,
  members: readonly string[],
  known: readonly string[],
  target: number,
  spare: number,
  max: number,
): string[] {
  const order = rendezvousOrder(
    hash,
    [...new Set(members)].map((id) => ({ id })),
  ).map((m) => m.id);
  const memberSet = new Set(members);
  const first = order.slice(0, Math.max(0, target + spare));
  return [...new Set([...first, ...known.filter((id) => memberSet.has(id))])]
    .filter((id) => id !== selfId)
    .slice(0, Math.max(0, max));
}

/** Forgets what the plan knows of shards this relay no longer has (released, deleted): keeps the gauges true. */
export function dropShards(state: RepairState, hashes: readonly string[]): RepairState {
  if (hashes.length === 0) return state;
  const needSince = new Map(state.needSince);
  const missing = new Map(state.missing);
  for (const h of hashes) {
    needSince.delete(h);
    missing.delete(h);
  }
  return { ...state, needSince, missing };
}

/** The gauges of a state (for a status read between steps). */
export function repairGauges(state: RepairState): { underReplicated: number; backlog: number } {
  let underReplicated = 0;
  let backlog = 0;
  for (const m of state.missing.values()) {
    if (m.under) underReplicated++;
    backlog += m.copies;
  }
  return { underReplicated, backlog };
}

/** The delay before the next sweep: `intervalMs` ± `jitterPercent`%, drawn with `random` (a float in [0, 1)). */
export function nextSweepDelay(intervalMs: number, jitterPercent: number, random: () => number): number {
  const spread = (intervalMs * jitterPercent) / 100;
  return Math.max(1, Math.round(intervalMs - spread + 2 * spread * random()));
}
