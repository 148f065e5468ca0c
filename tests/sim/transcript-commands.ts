// The commands of the tree transcripts (testdata/*.txt), one handler each. Every handler acts on the
// simulated world and returns the lines to compare: what the relays reported (membership, joined,
// removed, left), the messages sent by type, or the state asked for. Every step is also checked by the
// simulator's safety invariant, so a transcript that breaks it shows an `error:` line.
import { treeStatus } from '../../core/tree/machine.ts';
import type { MembershipOp, TreeEvent } from '../../core/tree/types.ts';
import { Adversary, FORGERIES, OUTSIDER, WireCapture, type Forgery } from './adversary.ts';
import { checkStep } from './invariants.ts';
import { Prng } from './prng.ts';
import { World } from './world.ts';

export interface TranscriptWorld {
  world: World;
  /** Lines noted since the last command printed them. */
  events: string[];
  sent: Map<string, number>;
  capture: WireCapture;
  nextIndex: number;
}

type Handler = (t: TranscriptWorld, words: readonly string[], opts: ReadonlyMap<string, string>) => string[];

/** A world of k = 2 and seed 1 until the transcript says otherwise with `world`. */
export function newTranscriptWorld(k = 2, seed = 1): TranscriptWorld {
  const world = new World(new Prng(seed), { k, jsonBodies: true, timers: true });
  const t: TranscriptWorld = { world, events: [], sent: new Map(), capture: new WireCapture(), nextIndex: 0 };
  world.onEvent = (node, ev) => {
    const line = describeEvent(ev);
    if (line !== null) t.events.push(`t=${world.now} ${node.ref.id} ${line}`);
  };
  world.onSend = (msgType, body) => {
    t.sent.set(msgType, (t.sent.get(msgType) ?? 0) + 1);
    t.capture.add(msgType, body);
  };
  world.onStep = (node, input, before, after) => {
    if (input.type !== 'create' && input.type !== 'join') checkStep(world, node, before, after, OUTSIDER);
  };
  return t;
}

function describeEvent(ev: TreeEvent): string | null {
  switch (ev.type) {
    case 'membership':
      return `membership e${ev.epoch} p${ev.position} n${ev.size} parent=${ev.parent ?? '-'} children=${ev.children.join(',') || '-'}`;
    case 'joined':
      return `joined p${ev.position}`;
    case 'removed':
    case 'left':
      return ev.type;
    default:
      return null;
  }
}

/** The events and message counts gathered since the last call, then cleared. */
function flush(t: TranscriptWorld): string[] {
  const out = [...t.events];
  if (t.sent.size > 0)
    out.push(
      `sent ${[...t.sent]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, n]) => `${type}=${n}`)
        .join(' ')}`,
    );
  t.events = [];
  t.sent = new Map();
  return out;
}

function nodesOf(t: TranscriptWorld, words: readonly string[]): string[] {
  if (words.length === 0) throw new Error('name at least one relay');
  for (const id of words) t.world.node(id);
  return [...words];
}

function number(opts: ReadonlyMap<string, string>, key: string, fallback: number): number {
  const raw = opts.get(key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${key}=${raw} is not a number`);
  return n;
}

function describeOp(op: MembershipOp): string {
  return op.op === 'add' ? `add ${op.ref.id}` : `remove ${op.ref.id}@${op.at} ${op.reason}`;
}

const commands: Record<string, Handler> = {
  /** `world k=3 seed=7`: starts a fresh world. */
  world: (t, _w, opts) => {
    Object.assign(t, newTranscriptWorld(number(opts, 'k', 2), number(opts, 'seed', 1)));
    return [];
  },
  /** `add-nodes 3`: relays n<i>, n<i+1> … with their own keys, not yet in a tree. */
  'add-nodes': (t, words) => {
    const count = Number(words[0] ?? '1');
    const names = Array.from({ length: count }, () => t.world.addNamed(`n${t.nextIndex++}`).ref.id);
    return [names.join(' ')];
  },
  /** `create n0`: n0 starts a tree of its own. */
  create: (t, words) => {
    for (const id of nodesOf(t, words))
      t.world.apply(t.world.node(id), { type: 'create', now: t.world.now, treeId: 'tree' });
    return flush(t);
  },
  /** `join n1 n2 via=n0`: each asks n0 to let it in (the answer comes in later ticks). */
  join: (t, words, opts) => {
    const contact = t.world.node(opts.get('via') ?? 'n0').ref;
    for (const id of nodesOf(t, words)) t.world.apply(t.world.node(id), { type: 'join', now: t.world.now, contact });
    return flush(t);
  },
  /** `leave n3`: n3 leaves for good. */
  leave: (t, words) => {
    for (const id of nodesOf(t, words)) t.world.apply(t.world.node(id), { type: 'leave', now: t.world.now });
    return flush(t);
  },
  /** `tick 5000`: lets virtual time pass (milliseconds); prints what happened. */
  tick: (t, words) => {
    const ms = Number(words[0] ?? '1000');
    if (!Number.isFinite(ms) || ms <= 0) throw new Error(`tick ${words[0]}: give milliseconds`);
    t.world.runUntil(t.world.now + ms);
    return flush(t);
  },
  /** `crash n0`: n0 stops at once (its persisted state survives). */
  crash: (t, words) => {
    for (const id of nodesOf(t, words)) t.world.crash(id);
    return flush(t);
  },
  /** `restart n0`: n0 starts again from what it persisted (a SIGTERM or kill -9 restart). */
  restart: (t, words) => {
    for (const id of nodesOf(t, words)) t.world.restart(id);
    return flush(t);
  },
  /** `partition n0,n1 n2,n3`: relays in different groups cannot reach each other (unnamed: group 0). */
  partition: (t, words) => {
    const groups = new Map<string, number>();
    words.forEach((g, i) => g.split(',').forEach((id) => groups.set(t.world.node(id).ref.id, i + 1)));
    t.world.partition(groups);
    return flush(t);
  },
  heal: (t) => {
    t.world.heal();
    return flush(t);
  },
  /** `loss 0.2`: the share of messages lost from now on. */
  loss: (t, words) => {
    t.world.loss = Number(words[0] ?? '0');
    return [];
  },
  /** `status [n0 …]`: each relay's own view: phase, epoch, position, size, parent, children. */
  status: (t, words) => {
    const ids = words.length > 0 ? nodesOf(t, words) : [...t.world.nodes.keys()];
    return ids.map((id) => {
      const node = t.world.node(id);
      const s = treeStatus(node.state);
      const where =
        s.position < 0 ? '' : ` p${s.position} parent=${s.parent ?? '-'} children=${s.children.join(',') || '-'}`;
      return `${id}${node.alive ? '' : ' (down)'} ${s.phase} e${s.epoch} n${s.size}${where}`;
    });
  },
  /** `log n0`: the signed records n0 holds, oldest first: epoch, signer, changes, evidence count. */
  log: (t, words) => {
    const [id] = nodesOf(t, words);
    return t.world
      .node(id!)
      .state.log.map(
        (r) =>
          `e${r.e} by ${r.by}: ${r.ops.map(describeOp).join(', ')}${r.ev.length > 0 ? ` (evidence: ${r.ev.map((s) => s.by).join(',')})` : ''}`,
      );
  },
  /** `counters n1 [prefix]`: n1's non-zero counters, optionally only those starting with prefix. */
  counters: (t, words) => {
    const [id, prefix = ''] = words;
    const counters = t.world.node(nodesOf(t, [id ?? ''])[0]!).state.counters;
    const names = Object.keys(counters)
      .filter((n) => n.startsWith(prefix) && counters[n] !== 0)
      .sort();
    return names.length === 0 ? ['none'] : names.map((n) => `${n}=${counters[n]}`);
  },
  /** `forge kind=remove-root to=n1 [from=x0]`: an adversary (outsider x0, or a member's own key) sends one forgery. */
  forge: (t, _w, opts) => {
    const kind = opts.get('kind') as Forgery | undefined;
    if (kind === undefined || !FORGERIES.includes(kind)) throw new Error(`kind= one of ${FORGERIES.join(', ')}`);
    const to = nodesOf(t, [opts.get('to') ?? ''])[0]!;
    const from = opts.get('from') ?? OUTSIDER;
    const me =
      from === OUTSIDER
        ? t.world.keys.identity(OUTSIDER)
        : { ref: t.world.node(from).ref, env: t.world.node(from).env };
    const type = new Adversary(t.world, t.world.rng, me, t.capture).send(to, kind);
    return [type === null ? 'nothing to send' : `${from} -> ${to} ${type}`];
  },
};

export const COMMANDS: Readonly<Record<string, Handler>> = commands;
