// One seeded run: build a tree, inject faults and application traffic, stop the faults, then
// wait for the invariants to hold. The same seed always replays the same run.
import { HEARTBEAT_INTERVAL_MS } from '../../core/limits.ts';
import type { NodeRef } from '../../core/tree/types.ts';
import { Adversary, OUTSIDER, WireCapture } from './adversary.ts';
import { checkQuiescent, checkStep, type Expectations } from './invariants.ts';
import { addRelays } from './harness.ts';
import { Prng } from './prng.ts';
import { InvariantError, World } from './world.ts';
import { quorum, watchersOf } from '../../core/tree/evidence.ts';

/** How long the simulated operator waits on a tree that cannot heal by itself before recovering it by hand. */
const OPERATOR_PATIENCE_MS = 120_000;

export interface RunOptions {
  readonly seed: number;
  readonly nodes?: number;
  readonly k?: number;
  /** Virtual milliseconds of faults after the joins started. */
  readonly faultMs?: number;
  /** Give up when the invariants do not hold this long after the faults stopped. */
  readonly maxSettleMs?: number;
  /** Forged messages from an outsider and (sometimes) a malicious member during the faults (default on). */
  readonly adversaries?: boolean;
}

export interface RunResult {
  readonly seed: number;
  readonly nodes: number;
  readonly k: number;
  readonly fixedNodes: boolean;
  readonly fixedK: boolean;
  readonly ok: boolean;
  readonly failure: string | null;
  readonly settleMs: number;
  readonly steps: number;
  readonly faults: readonly string[];
  readonly trace: readonly string[];
  readonly counters: Readonly<Record<string, number>>;
}

export function replayCommand(r: {
  seed: number;
  nodes: number;
  k: number;
  fixedNodes?: boolean;
  fixedK?: boolean;
}): string {
  return `node bin/run-ts.js tests/sim/cli.ts --seed ${r.seed}${r.fixedNodes ? ` --nodes ${r.nodes}` : ''}${r.fixedK ? ` --k ${r.k}` : ''} --verbose`;
}

export function runSeed(opts: RunOptions): RunResult {
  const rng = new Prng(opts.seed);
  const n = opts.nodes ?? rng.range(2, 20);
  const k = opts.k ?? rng.pick([2, 3, 4]);
  const faultMs = opts.faultMs ?? 30_000;
  const maxSettle = opts.maxSettleMs ?? 300_000;
  const world = new World(rng, { k, jsonBodies: true, timers: true });
  const refs: NodeRef[] = addRelays(world, n);
  const faults: string[] = [];
  const accepted = new Map<string, string>();
  const broadcasts = new Set<string>();
  const requests = new Set<string>();
  const left = new Set<string>();
  /** Relays killed for good once the faults stop: a restart scheduled by an earlier crash fault must not revive them. */
  const killed = new Set<string>();

  const members = (): string[] =>
    refs.map((r) => r.id).filter((id) => world.node(id).alive && world.node(id).state.phase === 'member');
  const contactFor = (self: string): NodeRef => {
    const live = members().filter((id) => id !== self);
    return live.length > 0 ? world.node(rng.pick(live)).ref : refs[0]!;
  };

  // Adversaries: a key that never joined, and (in half the seeds) a member sending forgeries with its own key.
  const capture = new WireCapture();
  world.onSend = (msgType, body) => capture.add(msgType, body);
  world.onStep = (node, input, before, after) => {
    if (input.type !== 'create' && input.type !== 'join') checkStep(world, node, before, after, OUTSIDER);
  };
  const adversaries: Adversary[] = [];
  if (opts.adversaries !== false) {
    adversaries.push(new Adversary(world, rng, world.keys.identity(OUTSIDER), capture));
    if (n > 2 && rng.chance(0.5)) {
      const insider = refs[1 + rng.int(n - 1)]!.id;
      adversaries.push(
        new Adversary(world, rng, { ref: world.node(insider).ref, env: world.node(insider).env }, capture),
      );
    }
  }

  world.onEvent = (node, ev) => {
    if (ev.type === 'message' && ev.isRequest) {
      world.at(world.now + rng.range(0, 50), () => {
        world.apply(node, {
          type: 'reply',
          now: world.now,
          to: ev.from,
          requestId: ev.mid,
          msgType: 'echo',
          body: { echo: ev.body },
        });
      });
    }
  };

  // Joins, staggered; faults may start while they run.
  world.at(0, () => world.apply(world.node('n0'), { type: 'create', now: world.now }));
  let t = 0;
  for (let i = 1; i < n; i++) {
    t += rng.range(50, 600);
    const id = refs[i]!.id;
    world.at(t, () => world.apply(world.node(id), { type: 'join', now: world.now, contact: contactFor(id) }));
  }
  const faultStart = rng.range(0, t + 1_000);
  const faultEnd = faultStart + faultMs;

  const faultCount = rng.range(0, 6);
  for (let i = 0; i < faultCount; i++) {
    const at = rng.range(faultStart, faultEnd);
    const kind = rng.pick(['crash', 'crash', 'leave', 'partition', 'loss', 'delay', 'crash2']);
    const duration = rng.range(500, 25_000);
    faults.push(`${kind}@${at}+${duration}`);
    world.at(at, () => {
      const alive = refs.map((r) => r.id).filter((id) => world.node(id).alive);
      if (alive.length === 0) return;
      if (kind === 'crash' || kind === 'crash2') {
        const victims = kind === 'crash2' ? [rng.pick(alive), rng.pick(alive)] : [rng.pick(alive)];
        for (const v of victims) {
          world.crash(v);
          world.at(Math.min(world.now + duration, faultEnd), () => {
            if (!killed.has(v)) world.restart(v);
          });
        }
      } else if (kind === 'leave') {
        const m = members();
        if (m.length === 0) return;
        const v = rng.pick(m);
        world.apply(world.node(v), { type: 'leave', now: world.now });
        left.add(v);
        world.at(Math.min(world.now + duration, faultEnd), () => rejoin(v));
      } else if (kind === 'partition') {
        const groups = new Map(refs.map((r) => [r.id, rng.int(2)] as const));
        world.partition(groups);
        world.at(Math.min(world.now + duration, faultEnd), () => world.heal());
      } else if (kind === 'loss') {
        world.loss = rng.next() * 0.2;
        world.at(Math.min(world.now + duration, faultEnd), () => (world.loss = 0));
      } else {
        world.maxDelay = rng.range(50, 800);
        world.at(Math.min(world.now + duration, faultEnd), () => (world.maxDelay = 20));
      }
    });
  }

  const rejoin = (id: string): void => {
    const node = world.node(id);
    if (!node.alive) return;
    const tree = refs.some(
      (r) =>
        ['member', 'leaving'].includes(world.node(r.id).state.phase) &&
        (world.node(r.id).alive || world.now < faultEnd),
    );
    const contact = node.state.contact === null ? null : world.node(node.state.contact.id);
    const treeAlive = refs.some(
      (r) =>
        ['member', 'leaving'].includes(world.node(r.id).state.phase) &&
        world.node(r.id).state.treeId === node.state.treeId &&
        (world.node(r.id).alive || world.now < faultEnd),
    );
    const hopeless =
      node.state.phase === 'joining' &&
      (node.state.membership.members.length === 0
        ? contact === null || !contact.alive || contact.state.phase !== 'member'
        : !treeAlive);
    // The operator of a relay whose join url points at no tree gives it another url.
    if (hopeless) world.apply(node, { type: 'leave', now: world.now });
    if (node.state.phase !== 'left' && node.state.phase !== 'idle') return;
    // When every relay has left there is no tree to join: the first to come back starts one.
    if (tree) world.apply(node, { type: 'join', now: world.now, contact: contactFor(id) });
    // A new tree gets a new id, as a relay's data folder gives it (the first tree's id is its creator's).
    else world.apply(node, { type: 'create', now: world.now, treeId: `${id}@${world.now}` });
  };

  for (const adversary of adversaries) {
    const forgeries = rng.range(0, 40);
    for (let i = 0; i < forgeries; i++) world.at(rng.range(0, faultEnd), () => adversary.act(refs.map((r) => r.id)));
  }

  // Application traffic during the faults.
  const sends = rng.range(0, 8);
  for (let i = 0; i < sends; i++) {
    world.at(rng.range(faultStart, faultEnd), () => {
      const from = world.node(rng.pick(refs).id);
      const to = rng.pick(refs).id;
      const r = world.apply(from, { type: 'send', now: world.now, to: { id: to }, msgType: 'note', body: { i } });
      if (r?.mid !== undefined) accepted.set(r.mid, to);
    });
  }
  const casts = rng.range(0, 3);
  for (let i = 0; i < casts; i++) {
    world.at(rng.range(faultStart, faultEnd), () => {
      const from = world.node(rng.pick(refs).id);
      const r = world.apply(from, { type: 'broadcast', now: world.now, msgType: 'news', body: { i } });
      if (r?.mid !== undefined) broadcasts.add(r.mid);
    });
  }
  const asks = rng.range(0, 2);
  for (let i = 0; i < asks; i++) {
    world.at(rng.range(faultStart, faultEnd), () => {
      const from = world.node(rng.pick(refs).id);
      const to = rng.pick(refs).id;
      const r = world.apply(from, {
        type: 'request',
        now: world.now,
        to: { id: to },
        msgType: 'ask',
        body: { i },
        timeoutMs: 20_000,
      });
      if (r?.mid !== undefined) requests.add(r.mid);
    });
  }

  // Faults stop: everyone restarts, the network heals, relays that left join again.
  world.at(faultEnd, () => {
    world.loss = 0;
    world.maxDelay = 20;
    world.heal();
    for (const r of refs) world.restart(r.id);
    // Sometimes relays die for good: the tree must close up around them.
    if (n > 2 && rng.chance(0.3)) {
      const victims = rng.range(1, Math.min(2, n - 2));
      for (let i = 0; i < victims; i++) {
        const v = rng.pick(refs.filter((r) => world.node(r.id).alive)).id;
        world.crash(v);
        killed.add(v);
        faults.push(`kill ${v}@${world.now}`);
      }
    }
  });

  // The documented limit (docs/topology.md, Limits): when the relays killed for good include a live member's
  // root and leave fewer of its watchers alive than a quorum, no relay may take over, by design. Its operator
  // then does what docs/operating.md says: every relay of that tree leaves (`peertree leave`) and they start
  // again, the first creating a tree and the others joining it. Done once, only when the run is still stuck.
  const quorumLost = (): boolean =>
    refs.some((r) => {
      const node = world.node(r.id);
      const m = node.state.membership;
      const root = m.members[0];
      if (!node.alive || node.state.phase !== 'member' || root === undefined || !killed.has(root.id)) return false;
      const watchers = watchersOf(0, k, m.members.length).map((p) => m.members[p]!.id);
      return (
        watchers.filter((id) => !killed.has(id) && world.nodes.get(id)?.alive === true).length < quorum(watchers.length)
      );
    });
  let recovered = false;
  const operatorRecovery = (): void => {
    recovered = true;
    faults.push(`operator-recovery@${world.now}`);
    for (const r of refs) {
      const node = world.node(r.id);
      if (node.alive && (node.state.phase === 'member' || node.state.phase === 'joining'))
        world.apply(node, { type: 'leave', now: world.now });
    }
  };

  const expect: Expectations = { accepted, broadcasts, requests };
  let failure: string | null = null;
  let settled = -1;
  try {
    world.runUntil(faultEnd);
    for (let waited = 0; waited <= maxSettle; waited += HEARTBEAT_INTERVAL_MS) {
      if (!recovered && waited >= OPERATOR_PATIENCE_MS && quorumLost()) operatorRecovery();
      for (const r of refs) rejoin(r.id);
      world.runUntil(faultEnd + waited);
      failure = checkQuiescent(world, expect);
      if (failure === null) {
        settled = waited;
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof InvariantError)) throw err;
    failure = `safety: ${err.message}`;
  }
  return {
    seed: opts.seed,
    nodes: n,
    k,
    fixedNodes: opts.nodes !== undefined,
    fixedK: opts.k !== undefined,
    ok: failure === null,
    failure,
    settleMs: settled,
    steps: world.steps,
    faults,
    trace: world.trace,
    counters: sumCounters(world),
  };
}

function sumCounters(world: World): Record<string, number> {
  const out: Record<string, number> = {};
  for (const node of world.nodes.values())
    for (const [k, v] of Object.entries(node.state.counters)) out[k] = (out[k] ?? 0) + v;
  return out;
}
