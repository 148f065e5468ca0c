// When a client looks again at files stored on fewer relays than it asked for, as pure functions with `now`
// passed in: a file accepted while the tree was small ("Stored on 1 relay") is offered again once the tree
// has grown, so that the relays place the missing copies and the file's row shows the real count.
//
// The looks back off (TOP_UP_FIRST_CHECK_MS doubling up to TOP_UP_MAX_INTERVAL_MS) and stop TOP_UP_GIVE_UP_MS
// after the tree last changed size: a tree that stays small costs one status request every few minutes for an
// hour, then nothing until the client reconnects or stores another file.
import { MAX_REPLICAS, TOP_UP_FIRST_CHECK_MS, TOP_UP_GIVE_UP_MS, TOP_UP_MAX_INTERVAL_MS } from '../limits.ts';

export interface TopUpCandidate {
  readonly status: string;
  readonly origin: string;
  /** Relays known to hold every piece; null when unknown. */
  readonly replicas: number | null;
}

/** The copies a file can have on a tree of `treeSize` relays when `target` are asked for. */
export function reachableCopies(target: number, treeSize: number): number {
  return Math.max(0, Math.min(target, treeSize, MAX_REPLICAS));
}

/** Whether the file is one of this device's stored files with fewer copies than the tree can hold now. */
export function needsTopUp(f: TopUpCandidate, target: number, treeSize: number): boolean {
  if (f.status !== 'stored' || f.origin !== 'added' || f.replicas === null) return false;
  return f.replicas < reachableCopies(target, treeSize);
}

/** Whether the file is below its target at all (so it is worth looking again later, once the tree grows). */
export function belowTarget(f: TopUpCandidate, target: number): boolean {
  return (
    f.status === 'stored' && f.origin === 'added' && f.replicas !== null && f.replicas < Math.min(target, MAX_REPLICAS)
  );
}

export interface TopUpClock {
  /** Looks made since the tree last changed size (0 right after a change). */
  readonly looks: number;
  /** When the tree was last seen changing size (or the looks started). */
  readonly changedAt: number;
  /** The tree's size at the last look; null before the first. */
  readonly size: number | null;
}

export const START_CLOCK = (now: number): TopUpClock => ({ looks: 0, changedAt: now, size: null });

/** The clock after a look that saw the tree at `size` relays: a change of size starts the backoff again. */
export function afterLook(clock: TopUpClock, size: number, now: number): TopUpClock {
  if (clock.size !== null && clock.size !== size) return { looks: 1, changedAt: now, size };
  return { looks: clock.looks + 1, changedAt: clock.size === null ? now : clock.changedAt, size };
}

/** When to look next (ms after `now`), or null when it is time to stop looking. */
export function nextLookIn(clock: TopUpClock, now: number): number | null {
  if (now - clock.changedAt >= TOP_UP_GIVE_UP_MS) return null;
  const n = Math.min(clock.looks, 30);
  return Math.min(TOP_UP_MAX_INTERVAL_MS, TOP_UP_FIRST_CHECK_MS * 2 ** n);
}
