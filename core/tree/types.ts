// Types of the tree state machine: node references, membership, state, inputs, effects and events.

import type { EpochRecord, Suspicion } from './epoch-record.ts';

/** A relay: its node id, the url it listens on, and the Ed25519 public key (hex) the id is derived from. */
export interface NodeRef {
  readonly id: string;
  readonly url: string;
  /** 64 hex characters; '' only for a contact whose key is not known yet. */
  readonly key: string;
}

/**
 * The ordered membership: members[p] holds position p. Treat it as immutable: every change
 * makes a new object, so many relays (and the simulator) can share one.
 */
export interface Membership {
  readonly epoch: number;
  /** SHA-256 (hex) of the signed record of this epoch: equal (epoch, digest) means equal history. */
  readonly digest: string;
  readonly members: readonly NodeRef[];
}

/**
 * One membership change. `add` carries the admission the sequencer checked ('' open, 'allow', or a join
 * token's JSON); `remove` names the member and its position, and moves the last member into it.
 */
export type MembershipOp =
  | { readonly op: 'add'; readonly ref: NodeRef; readonly adm: string }
  | { readonly op: 'remove'; readonly ref: NodeRef; readonly at: number; readonly reason: 'left' | 'dead' };

export type Phase = 'idle' | 'joining' | 'member' | 'leaving' | 'left';

/** Where an application message goes: a relay id, or whoever holds a position. */
export type Target = { readonly id: string } | { readonly position: number };

export interface OutboxEntry {
  readonly mid: string;
  readonly dst: string | null;
  readonly dpos: number | null;
  readonly msgType: string;
  readonly body: unknown;
  /** Set on a request: the receiver may answer with a reply. */
  readonly rq: boolean;
  /** Set on a reply: the request message id it answers. */
  readonly re: string | null;
  readonly nextAt: number;
  readonly tries: number;
}

export interface BroadcastRecord {
  readonly mid: string;
  readonly src: string;
  readonly msgType: string;
  readonly body: unknown;
  readonly at: number;
}

/** A broadcast waiting for the acknowledgement of the relay at a neighbour position. */
export interface HopEntry {
  readonly mid: string;
  readonly pos: number;
  readonly id: string;
  readonly nextAt: number;
}

export interface DepartedRef {
  readonly ref: NodeRef;
  readonly until: number;
}

/** The whole state of one relay; plain JSON (persist it as is). */
export interface TreeState {
  readonly self: NodeRef;
  readonly k: number;
  readonly treeId: string;
  readonly phase: Phase;
  readonly membership: Membership;
  /** The signed records of the last epochs, oldest first; the last one made `membership`. */
  readonly log: readonly EpochRecord[];
  /** Admission this relay presents when it joins ('' open, or its join token's JSON). */
  readonly admission: string;
  /** Signed suspicions gathered at the current version: suspect id → statements (volatile). */
  readonly evidence: Readonly<Record<string, readonly Suspicion[]>>;
  /** When this relay first held a quorum against the root at this version (0 = not; volatile). */
  readonly quorumSince: number;
  /** Members reported dead that the sequencer is checking itself: id → deadline (volatile). */
  readonly checks: Readonly<Record<string, number>>;
  /** Relay a joining node asks first. */
  readonly contact: NodeRef | null;
  readonly now: number;
  readonly joinAttempts: number;
  readonly nextJoinAt: number;
  readonly nextHeartbeatAt: number;
  readonly nextProbeAt: number;
  readonly leaveDeadline: number;
  readonly leaveRetryAt: number;
  /** Counter for message ids; persisted so ids stay unique across restarts. */
  readonly seq: number;
  /** Neighbour id → last time anything was heard from it. */
  readonly lastHeard: Readonly<Record<string, number>>;
  readonly connected: Readonly<Record<string, true>>;
  /** Suspected neighbour id → next time to report it. */
  readonly suspects: Readonly<Record<string, number>>;
  readonly lastSyncSent: Readonly<Record<string, number>>;
  /** Time the parent was first suspected without a new epoch since (0 = not orphaned). */
  readonly orphanSince: number;
  readonly probeCursor: number;
  readonly departed: readonly DepartedRef[];
  readonly outbox: readonly OutboxEntry[];
  /** Request message id → deadline. */
  readonly requests: Readonly<Record<string, number>>;
  readonly seen: readonly string[];
  readonly recent: readonly BroadcastRecord[];
  readonly hops: readonly HopEntry[];
  /** Tree neighbours at the last membership change: position → id. */
  readonly neighbourMap: Readonly<Record<string, string>>;
  readonly counters: Readonly<Record<string, number>>;
}

/** Everything that can happen to a relay. `now` is the caller's clock in milliseconds. */
export type TreeInput =
  | { readonly type: 'create'; readonly now: number; readonly treeId?: string }
  | { readonly type: 'join'; readonly now: number; readonly contact: NodeRef; readonly admission?: string }
  | { readonly type: 'resume'; readonly now: number }
  | { readonly type: 'leave'; readonly now: number }
  | { readonly type: 'tick'; readonly now: number }
  | {
      readonly type: 'message';
      readonly now: number;
      readonly from: string;
      readonly msgType: string;
      readonly body: unknown;
    }
  | { readonly type: 'connection'; readonly now: number; readonly peer: string; readonly up: boolean }
  | {
      readonly type: 'send';
      readonly now: number;
      readonly to: Target;
      readonly msgType: string;
      readonly body: unknown;
    }
  | {
      readonly type: 'request';
      readonly now: number;
      readonly to: Target;
      readonly msgType: string;
      readonly body: unknown;
      readonly timeoutMs: number;
    }
  | {
      readonly type: 'reply';
      readonly now: number;
      readonly to: string;
      readonly requestId: string;
      readonly msgType: string;
      readonly body: unknown;
    }
  | { readonly type: 'broadcast'; readonly now: number; readonly msgType: string; readonly body: unknown };

/** Events for the application and the shell. */
export type TreeEvent =
  | {
      readonly type: 'membership';
      readonly epoch: number;
      readonly size: number;
      readonly position: number;
      readonly parent: string | null;
      readonly children: readonly string[];
      readonly depth: number;
    }
  | { readonly type: 'joined'; readonly position: number }
  | { readonly type: 'removed' }
  | { readonly type: 'left' }
  | {
      readonly type: 'message';
      readonly mid: string;
      readonly from: string;
      readonly msgType: string;
      readonly body: unknown;
      readonly isRequest: boolean;
    }
  | {
      readonly type: 'broadcast';
      readonly mid: string;
      readonly from: string;
      readonly msgType: string;
      readonly body: unknown;
    }
  | {
      readonly type: 'reply';
      readonly requestId: string;
      readonly from: string;
      readonly msgType: string;
      readonly body: unknown;
    }
  | { readonly type: 'timeout'; readonly requestId: string }
  | { readonly type: 'delivered'; readonly mid: string };

/**
 * What the shell must do, already in execution order: persist first, then connect, send,
 * disconnect, set the timer, and notify last.
 */
export type TreeEffect =
  | { readonly kind: 'persist'; readonly state: TreeState }
  | { readonly kind: 'connect'; readonly peer: NodeRef }
  | { readonly kind: 'send'; readonly to: NodeRef; readonly msgType: string; readonly body: unknown }
  | { readonly kind: 'disconnect'; readonly peer: NodeRef }
  | { readonly kind: 'setTimer'; readonly at: number }
  | { readonly kind: 'notify'; readonly event: TreeEvent };

export interface StepResult {
  readonly state: TreeState;
  readonly effects: readonly TreeEffect[];
  /** Message id given to a send, request or broadcast command. */
  readonly mid?: string;
  /** Why a command was refused (e.g. FULL when the outbox is full). */
  readonly error?: { readonly code: 'FULL' | 'UNAVAILABLE' | 'BAD_INPUT'; readonly message: string };
}
