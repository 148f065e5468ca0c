// The simulated network: N relays running the same step() in virtual time, with seeded faults
// (loss, delay/reordering, crashes and restarts from persisted state, partitions).
import { initialState, step } from '../../core/tree/machine.ts';
import type { TreeEnv } from '../../core/tree/tree-env.ts';
import type { NodeRef, TreeEffect, TreeEvent, TreeInput, TreeState } from '../../core/tree/types.ts';
import { EventHeap } from './heap.ts';
import type { Prng } from './prng.ts';
import { SimKeys } from './sim-keys.ts';

export interface SimNode {
  readonly ref: NodeRef;
  readonly env: TreeEnv;
  state: TreeState;
  persisted: TreeState | null;
  alive: boolean;
  incarnation: number;
  timerAt: number;
  maxEpoch: number;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

type Ev =
  | { at: number; seq: number; kind: 'msg'; from: string; to: string; msgType: string; body: unknown }
  | { at: number; seq: number; kind: 'timer'; node: string; inc: number; timerAt: number }
  | { at: number; seq: number; kind: 'conn'; node: string; peer: string; up: boolean; inc: number }
  | { at: number; seq: number; kind: 'action'; run: () => void };

export interface WorldOptions {
  readonly k: number;
  /** Round-trip every message body through JSON (proves bodies are plain JSON). */
  readonly jsonBodies: boolean;
  /** Run timers (heartbeats, retries); the scale runs turn them off. */
  readonly timers: boolean;
}

export class InvariantError extends Error {}

export class World {
  now = 0;
  private seq = 0;
  private readonly queue = new EventHeap<Ev>();
  readonly nodes = new Map<string, SimNode>();
  loss = 0;
  minDelay = 1;
  maxDelay = 20;
  /** Node id → partition group; nodes in different groups cannot talk. */
  group = new Map<string, number>();
  readonly links = new Set<string>();
  readonly sent = new Map<string, number>();
  steps = 0;
  /** Per message id: node id → number of deliveries (direct messages). */
  readonly delivered = new Map<string, Map<string, number>>();
  readonly broadcastDelivered = new Map<string, Map<string, number>>();
  /** Hops from the origin at which each relay first received a broadcast. */
  readonly broadcastHops = new Map<string, Map<string, number>>();
  readonly requestOutcomes = new Map<string, number>();
  readonly trace: string[] = [];
  onEvent: ((node: SimNode, event: TreeEvent) => void) | null = null;
  /** Called after every step with the state before and after it (safety invariants). */
  onStep: ((node: SimNode, input: TreeInput, before: TreeState, after: TreeState) => void) | null = null;
  /** Called for every message a relay sends (adversaries capture them for replays). */
  onSend: ((msgType: string, body: unknown) => void) | null = null;
  /** Messages delivered to a node that is not in the world (an adversary the scenario drives itself). */
  onForeign: ((to: string, from: string, msgType: string, body: unknown) => void) | null = null;
  readonly keys = new SimKeys();

  constructor(
    readonly rng: Prng,
    readonly opts: WorldOptions,
  ) {}

  /** A relay with a real key named `name`. */
  addNamed(name: string): SimNode {
    const { ref, env } = this.keys.identity(name);
    return this.addNode(ref, env);
  }

  addNode(ref: NodeRef, env: TreeEnv = this.keys.identity(ref.id, ref.url).env): SimNode {
    const node: SimNode = {
      ref,
      env,
      state: initialState(ref, this.opts.k),
      persisted: null,
      alive: true,
      incarnation: 0,
      timerAt: -1,
      maxEpoch: 0,
    };
    this.nodes.set(ref.id, node);
    return node;
  }

  node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  reachable(a: string, b: string): boolean {
    const na = this.nodes.get(a);
    const nb = this.nodes.get(b);
    return (
      na !== undefined &&
      nb !== undefined &&
      na.alive &&
      nb.alive &&
      (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0)
    );
  }

  /** Delivers a message from outside the world (an adversary) to node `to` after the usual delay. */
  inject(from: string, to: string, msgType: string, body: unknown): void {
    const copy = this.opts.jsonBodies ? JSON.parse(JSON.stringify(body)) : body;
    this.push({ at: this.now + this.delay(), kind: 'msg', from, to, msgType, body: copy });
  }

  at(time: number, run: () => void): void {
    this.queue.push({ at: Math.max(time, this.now), seq: this.seq++, kind: 'action', run });
  }

  private push(ev: DistributiveOmit<Ev, 'seq'>): void {
    this.queue.push({ ...ev, seq: this.seq++ } as Ev);
  }

  private note(line: string): void {
    this.trace.push(`${this.now} ${line}`);
    if (this.trace.length > 400) this.trace.splice(0, 200);
  }

  /** Feeds an input to a live node and performs its effects. */
  apply(node: SimNode, input: TreeInput): ReturnType<typeof step> | null {
    if (!node.alive) return null;
    this.steps++;
    const before = node.state;
    const result = step(node.state, input, node.env);
    if (input.type === 'join' || input.type === 'create') node.maxEpoch = 0;
    node.state = result.state;
    this.onStep?.(node, input, before, result.state);
    const epoch = result.state.membership.epoch;
    if (epoch < node.maxEpoch)
      throw new InvariantError(`${node.ref.id} went back from epoch ${node.maxEpoch} to ${epoch}`);
    node.maxEpoch = epoch;
    for (const effect of result.effects) this.perform(node, effect);
    return result;
  }

  private perform(node: SimNode, e: TreeEffect): void {
    switch (e.kind) {
      case 'persist':
        node.persisted = e.state;
        return;
      case 'connect':
        this.links.add(linkKey(node.ref.id, e.peer.id));
        if (this.reachable(node.ref.id, e.peer.id)) {
          const delay = this.delay();
          this.push({
            at: this.now + delay,
            kind: 'conn',
            node: node.ref.id,
            peer: e.peer.id,
            up: true,
            inc: node.incarnation,
          });
          this.push({
            at: this.now + delay,
            kind: 'conn',
            node: e.peer.id,
            peer: node.ref.id,
            up: true,
            inc: this.node(e.peer.id).incarnation,
          });
        }
        return;
      case 'disconnect':
        this.links.delete(linkKey(node.ref.id, e.peer.id));
        return;
      case 'send': {
        this.sent.set(e.msgType, (this.sent.get(e.msgType) ?? 0) + 1);
        this.onSend?.(e.msgType, e.body);
        if (e.msgType === 'tree.bcast') this.noteBroadcastHop(node.ref.id, e.to.id, (e.body as { mid: string }).mid);
        if (this.loss > 0 && this.rng.chance(this.loss)) return;
        const body = this.opts.jsonBodies ? JSON.parse(JSON.stringify(e.body)) : e.body;
        this.push({
          at: this.now + this.delay(),
          kind: 'msg',
          from: node.ref.id,
          to: e.to.id,
          msgType: e.msgType,
          body,
        });
        return;
      }
      case 'setTimer':
        node.timerAt = e.at;
        if (this.opts.timers)
          this.push({ at: e.at, kind: 'timer', node: node.ref.id, inc: node.incarnation, timerAt: e.at });
        return;
      case 'notify':
        this.record(node, e.event);
        return;
    }
  }

  private noteBroadcastHop(from: string, to: string, mid: string): void {
    let hops = this.broadcastHops.get(mid);
    if (hops === undefined) this.broadcastHops.set(mid, (hops = new Map()));
    const mine = hops.get(from) ?? 0;
    if (!hops.has(from)) hops.set(from, 0);
    if (!hops.has(to)) hops.set(to, mine + 1);
  }

  private record(node: SimNode, ev: TreeEvent): void {
    const id = node.ref.id;
    if (ev.type === 'message' || ev.type === 'broadcast') {
      const table = ev.type === 'message' ? this.delivered : this.broadcastDelivered;
      let counts = table.get(ev.mid);
      if (counts === undefined) table.set(ev.mid, (counts = new Map()));
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      if (n > 1) throw new InvariantError(`${ev.type} ${ev.mid} delivered ${n} times at ${id}`);
    } else if (ev.type === 'reply' || ev.type === 'timeout') {
      const n = (this.requestOutcomes.get(ev.requestId) ?? 0) + 1;
      this.requestOutcomes.set(ev.requestId, n);
      if (n > 1) throw new InvariantError(`request ${ev.requestId} resolved ${n} times`);
    } else if (ev.type !== 'delivered') {
      this.note(`${id} ${ev.type}${ev.type === 'membership' ? ` e${ev.epoch} p${ev.position} n${ev.size}` : ''}`);
    }
    this.onEvent?.(node, ev);
  }

  private delay(): number {
    return this.minDelay + this.rng.int(Math.max(1, this.maxDelay - this.minDelay + 1));
  }

  crash(id: string): void {
    const node = this.node(id);
    if (!node.alive) return;
    node.alive = false;
    node.incarnation++;
    this.note(`${id} crash`);
    this.dropLinks((other) => other === id);
  }

  restart(id: string): void {
    const node = this.node(id);
    if (node.alive) return;
    node.alive = true;
    node.state = node.persisted ?? initialState(node.ref, this.opts.k);
    this.note(`${id} restart (${node.state.phase}, e${node.state.membership.epoch})`);
    this.apply(node, { type: 'resume', now: this.now });
  }

  /** Splits the nodes into groups that cannot reach each other. */
  partition(groups: Map<string, number>): void {
    this.group = groups;
    this.note(`partition ${[...groups].map(([id, g]) => `${id}:${g}`).join(',')}`);
    this.dropLinks(() => false);
  }

  heal(): void {
    this.group = new Map();
    this.note('heal');
    for (const key of this.links) {
      const [a, b] = key.split('|') as [string, string];
      if (this.reachable(a, b)) {
        this.push({
          at: this.now + this.delay(),
          kind: 'conn',
          node: a,
          peer: b,
          up: true,
          inc: this.node(a).incarnation,
        });
        this.push({
          at: this.now + this.delay(),
          kind: 'conn',
          node: b,
          peer: a,
          up: true,
          inc: this.node(b).incarnation,
        });
      }
    }
  }

  /** Tells the live end of each broken link that it is down. */
  private dropLinks(involves: (id: string) => boolean): void {
    for (const key of this.links) {
      const [a, b] = key.split('|') as [string, string];
      if (involves(a) || involves(b) || !this.reachable(a, b)) {
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const n = this.nodes.get(x);
          if (n !== undefined && n.alive)
            this.push({ at: this.now + 1, kind: 'conn', node: x, peer: y, up: false, inc: n.incarnation });
        }
      }
    }
  }

  /** Runs events until virtual time `until` (or the queue is empty). */
  runUntil(until: number): void {
    for (;;) {
      const ev = this.queue.peek();
      if (ev === undefined || ev.at > until) break;
      this.queue.pop();
      this.now = ev.at;
      this.dispatch(ev);
    }
    this.now = Math.max(this.now, until);
  }

  /** Runs until nothing is left to do (only meaningful without timers). */
  runIdle(maxEvents = 1e9): number {
    let n = 0;
    while (this.queue.size > 0 && n < maxEvents) {
      const ev = this.queue.pop()!;
      this.now = ev.at;
      this.dispatch(ev);
      n++;
    }
    return n;
  }

  private dispatch(ev: Ev): void {
    switch (ev.kind) {
      case 'action':
        ev.run();
        return;
      case 'timer': {
        const node = this.nodes.get(ev.node)!;
        if (node.alive && node.incarnation === ev.inc && node.timerAt === ev.timerAt)
          this.apply(node, { type: 'tick', now: this.now });
        return;
      }
      case 'conn': {
        const node = this.nodes.get(ev.node)!;
        if (node.alive && node.incarnation === ev.inc)
          this.apply(node, { type: 'connection', now: this.now, peer: ev.peer, up: ev.up });
        return;
      }
      case 'msg': {
        const node = this.nodes.get(ev.to);
        if (node === undefined) {
          this.onForeign?.(ev.to, ev.from, ev.msgType, ev.body);
          return;
        }
        if (this.nodes.has(ev.from) ? !this.reachable(ev.from, ev.to) : !node.alive) return;
        this.apply(node, { type: 'message', now: this.now, from: ev.from, msgType: ev.msgType, body: ev.body });
        return;
      }
    }
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
