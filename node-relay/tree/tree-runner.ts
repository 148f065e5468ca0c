// The imperative shell around the pure tree state machine: inputs go into step() one at a time (never
// interleaved), and each step's effects run in the order the machine gives them — persist, connect,
// send, disconnect, setTimer, notify. Persisting is synchronous (SQLite), so nothing is sent before the
// state that sent it is durable. Events are handed to the listener after the step, in order; a listener
// may feed new inputs (they run after the current step, never inside it).
import {
  step,
  type StepResult,
  type TreeEffect,
  type TreeEnv,
  type TreeEvent,
  type TreeInput,
  type TreeState,
} from '../../core/tree/index.ts';
import type { Components } from '../components.ts';
import { treeLogEvents } from './tree-log-events.ts';
import type { PeerLinks } from './peer-links.ts';
import type { TreeStore } from './tree-store.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An input without its clock reading: the runner stamps `now` when the step runs. */
export type Command = DistributiveOmit<TreeInput, 'now'>;

export interface RunnerDeps {
  readonly state: TreeState;
  /** This relay's signing key and the record checks (passed to every step). */
  readonly env: TreeEnv;
  readonly store: TreeStore;
  readonly peers: PeerLinks;
  readonly components: Components;
  /** Called for every notify effect, after its step, in order. */
  readonly onEvent: (event: TreeEvent) => void;
  /** Whether a link to this peer is still wanted although the tree let it go (e.g. the application uses it). */
  readonly keepLink: (id: string, state: TreeState) => boolean;
}

export class TreeRunner {
  readonly counters: Record<string, number> = {
    steps: 0,
    persists: 0,
    'persist-writes': 0,
    'persist-failed': 0,
    'event-listener-failed': 0,
  };
  private current: TreeState;
  private stepping = false;
  private draining = false;
  private stopped = false;
  private readonly pending: Command[] = [];
  private readonly events: TreeEvent[] = [];
  private timer: unknown = null;

  constructor(private readonly deps: RunnerDeps) {
    this.current = deps.state;
  }

  get state(): TreeState {
    return this.current;
  }

  /**
   * Runs one input through step() and performs its effects. Returns the step's result, or null when
   * the runner is stopped or the input was queued behind a step already running.
   */
  apply(command: Command): StepResult | null {
    if (this.stopped) return null;
    if (this.stepping) {
      this.pending.push(command);
      return null;
    }
    const result = this.run(command);
    while (this.pending.length > 0 && !this.stopped) this.run(this.pending.shift()!);
    this.drainEvents();
    return result;
  }

  /** Replaces the state of a relay that has not started (idle), e.g. with the k of the tree it joins. */
  reset(state: TreeState): void {
    if (this.current.phase !== 'idle' || this.stepping) throw new Error('only an idle tree state can be replaced');
    this.current = state;
  }

  /** Stops the timer and ignores every later input (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.components.timers.clearTimeout(this.timer);
    this.timer = null;
    this.pending.length = 0;
  }

  private run(command: Command): StepResult {
    this.stepping = true;
    try {
      const now = this.deps.components.clock.now();
      const result = step(this.current, { ...command, now } as TreeInput, this.deps.env);
      this.counters.steps!++;
      const before = this.current;
      this.current = result.state;
      // Operator log lines come from what the step changed (the core itself does no I/O).
      for (const e of treeLogEvents(before, result.state))
        this.deps.components.logger[e.level](e.msg, { event: e.event, ...e.fields });
      for (const effect of result.effects) this.perform(effect, now);
      return result;
    } finally {
      this.stepping = false;
    }
  }

  private perform(effect: TreeEffect, now: number): void {
    const { peers } = this.deps;
    switch (effect.kind) {
      case 'persist':
        try {
          const parts = this.deps.store.persist(effect.state, now);
          this.counters.persists!++;
          if (parts > 0) this.counters['persist-writes']!++;
        } catch (err) {
          this.counters['persist-failed']!++;
          this.deps.components.logger.error('could not persist the tree state', { error: String(err) });
        }
        return;
      case 'connect':
        peers.ensure(effect.peer);
        return;
      case 'send':
        peers.send(effect.to, effect.msgType, effect.body);
        return;
      case 'disconnect':
        peers.release(effect.peer, (id) => this.deps.keepLink(id, this.current));
        return;
      case 'setTimer':
        this.schedule(effect.at, now);
        return;
      case 'notify':
        this.events.push(effect.event);
        return;
    }
  }

  private schedule(at: number, now: number): void {
    const { timers } = this.deps.components;
    if (this.timer !== null) timers.clearTimeout(this.timer);
    this.timer = timers.setTimeout(
      () => {
        this.timer = null;
        this.apply({ type: 'tick' });
      },
      Math.max(0, at - now),
    );
  }

  private drainEvents(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.events.length > 0) {
        const event = this.events.shift()!;
        try {
          this.deps.onEvent(event);
        } catch (err) {
          this.counters['event-listener-failed']!++;
          this.deps.components.logger.error('tree event listener failed', { event: event.type, error: String(err) });
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
