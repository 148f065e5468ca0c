// The working copy of one step: a draft of the state plus the effects collected, in order.
import { VERIFY_ONLY_ENV, type TreeEnv } from './tree-env.ts';
import type { NodeRef, StepResult, TreeEffect, TreeEvent, TreeState } from './types.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type RecordFields =
  'lastHeard' | 'connected' | 'suspects' | 'lastSyncSent' | 'requests' | 'counters' | 'evidence' | 'checks';

/** A mutable copy of the state; record fields are fresh copies, arrays are replaced on write. */
export type Draft = Mutable<Omit<TreeState, RecordFields>> & { [K in RecordFields]: Mutable<TreeState[K]> };

/** Fields whose change must be written to durable storage. */
const DURABLE: readonly (keyof TreeState)[] = [
  'treeId',
  'phase',
  'membership',
  'log',
  'admission',
  'contact',
  'seq',
  'departed',
  'outbox',
  'requests',
  'seen',
  'recent',
];

export class Ctx {
  readonly s: Draft;
  private readonly before: TreeState;
  private readonly connects: TreeEffect[] = [];
  private readonly sends: TreeEffect[] = [];
  private readonly disconnects: TreeEffect[] = [];
  private readonly events: TreeEffect[] = [];
  private timerAt: number | null = null;
  mid: string | undefined;
  error: StepResult['error'];

  constructor(
    state: TreeState,
    now: number,
    readonly env: TreeEnv = VERIFY_ONLY_ENV,
  ) {
    this.before = state;
    this.s = {
      ...state,
      now: Math.max(state.now, now),
      lastHeard: { ...state.lastHeard },
      connected: { ...state.connected },
      suspects: { ...state.suspects },
      lastSyncSent: { ...state.lastSyncSent },
      requests: { ...state.requests },
      counters: { ...state.counters },
      evidence: { ...state.evidence },
      checks: { ...state.checks },
    };
  }

  get now(): number {
    return this.s.now;
  }

  send(to: NodeRef, msgType: string, body: unknown): void {
    if (to.id === this.s.self.id) return;
    this.sends.push({ kind: 'send', to, msgType, body });
  }

  connect(peer: NodeRef): void {
    this.connects.push({ kind: 'connect', peer });
  }

  disconnect(peer: NodeRef): void {
    this.disconnects.push({ kind: 'disconnect', peer });
  }

  setTimer(at: number): void {
    this.timerAt = at;
  }

  notify(event: TreeEvent): void {
    this.events.push({ kind: 'notify', event });
  }

  count(name: string, by = 1): void {
    this.s.counters[name] = (this.s.counters[name] ?? 0) + by;
  }

  fail(code: 'FULL' | 'UNAVAILABLE' | 'BAD_INPUT', message: string): void {
    this.error = { code, message };
  }

  /** Effects in execution order: persist, connect, send, disconnect, setTimer, notify. */
  finish(): StepResult {
    const state: TreeState = this.s;
    const effects: TreeEffect[] = [];
    if (DURABLE.some((key) => state[key] !== this.before[key])) effects.push({ kind: 'persist', state });
    effects.push(...this.connects, ...this.sends, ...this.disconnects);
    if (this.timerAt !== null) effects.push({ kind: 'setTimer', at: this.timerAt });
    effects.push(...this.events);
    const result: { -readonly [K in keyof StepResult]: StepResult[K] } = { state, effects };
    if (this.mid !== undefined) result.mid = this.mid;
    if (this.error !== undefined) result.error = this.error;
    return result;
  }
}
