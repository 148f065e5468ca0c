// The application-facing API over step(): send, request, reply, broadcast and on(type, handler).
// It holds the state and hands every effect to the shell's executor; the protocol stays in step().
import { PeerTreeError } from '../errors.ts';
import { step } from './machine.ts';
import type { StepResult, Target, TreeEffect, TreeEvent, TreeInput, TreeState } from './types.ts';

export interface Incoming {
  readonly mid: string;
  readonly from: string;
  readonly msgType: string;
  readonly body: unknown;
  readonly kind: 'message' | 'broadcast';
  /** Set on a request: answer it with `tree.reply(from, requestId, type, body)`. */
  readonly requestId: string | null;
}

export type Handler = (message: Incoming) => void;

export class TreeApp {
  private readonly handlers = new Map<string, Handler[]>();
  private readonly waiting = new Map<string, { resolve: (body: unknown) => void; reject: (err: PeerTreeError) => void }>();

  constructor(
    public state: TreeState,
    /** Performs effects in the given order (persist, connect, send, disconnect, setTimer, notify). */
    private readonly execute: (effects: readonly TreeEffect[]) => void,
    private readonly clock: () => number,
  ) {}

  /** Registers a handler for an application message type (several handlers may share a type). */
  on(msgType: string, handler: Handler): void {
    this.handlers.set(msgType, [...(this.handlers.get(msgType) ?? []), handler]);
  }

  /** Feeds any input (messages, ticks, connections) from the shell. */
  input(input: TreeInput): StepResult {
    const result = step(this.state, input);
    this.state = result.state;
    this.execute(result.effects);
    for (const e of result.effects) if (e.kind === 'notify') this.dispatch(e.event);
    return result;
  }

  send(to: Target, msgType: string, body: unknown): string {
    return this.accepted(this.input({ type: 'send', now: this.clock(), to, msgType, body }));
  }

  broadcast(msgType: string, body: unknown): string {
    return this.accepted(this.input({ type: 'broadcast', now: this.clock(), msgType, body }));
  }

  reply(to: string, requestId: string, msgType: string, body: unknown): string {
    return this.accepted(this.input({ type: 'reply', now: this.clock(), to, requestId, msgType, body }));
  }

  /** Resolves with the reply body, or rejects with TIMEOUT (or FULL when refused). */
  request(to: Target, msgType: string, body: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const r = this.input({ type: 'request', now: this.clock(), to, msgType, body, timeoutMs });
      if (r.mid === undefined) reject(new PeerTreeError(r.error?.code ?? 'INTERNAL', r.error?.message));
      else this.waiting.set(r.mid, { resolve, reject });
    });
  }

  private accepted(r: StepResult): string {
    if (r.mid === undefined) throw new PeerTreeError(r.error?.code ?? 'INTERNAL', r.error?.message);
    return r.mid;
  }

  private dispatch(ev: TreeEvent): void {
    if (ev.type === 'message' || ev.type === 'broadcast') {
      const message: Incoming = { mid: ev.mid, from: ev.from, msgType: ev.msgType, body: ev.body, kind: ev.type, requestId: ev.type === 'message' && ev.isRequest ? ev.mid : null };
      for (const handler of this.handlers.get(ev.msgType) ?? []) handler(message);
    } else if (ev.type === 'reply' || ev.type === 'timeout') {
      const w = this.waiting.get(ev.requestId);
      this.waiting.delete(ev.requestId);
      if (ev.type === 'reply') w?.resolve(ev.body);
      else w?.reject(new PeerTreeError('TIMEOUT', `request ${ev.requestId} timed out`));
    }
  }
}
