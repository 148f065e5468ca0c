// Invariants checked once the network is quiescent (faults stopped and a settle time passed).
import { treeStatus } from '../../core/tree/machine.ts';
import { childrenOf, depthOf, parentOf } from '../../core/tree/positions.ts';
import { fitRecords } from '../../core/tree/chain.ts';
import type { TreeState } from '../../core/tree/types.ts';
import { InvariantError, type SimNode, type World } from './world.ts';

/**
 * Safety after every step: no outsider in any honest relay's membership, and every change of an honest
 * relay's view is one its old view and log justify (records signed by the sequencer the rule names, or a
 * takeover with a quorum), except a joiner's first view, which it takes from its contact.
 */
export function checkStep(world: World, node: SimNode, before: TreeState, after: TreeState, outsider: string): void {
  const m = after.membership;
  if (m === before.membership) return;
  if (m.members.some((r) => r.id === outsider))
    throw new InvariantError(`${node.ref.id} installed a view holding the outsider ${outsider}`);
  if (m.members.length === 0 || before.membership.members.length === 0 || before.treeId !== after.treeId) return;
  const fit = fitRecords(node.env, world.opts.k, after.treeId, before.membership, before.log, after.log);
  if (
    (fit.kind === 'ahead' || fit.kind === 'fork') &&
    fit.membership.digest === m.digest &&
    fit.membership.members.length === m.members.length
  )
    return;
  if (fit.kind === 'unattached' && before.phase === 'joining') return;
  throw new InvariantError(
    `${node.ref.id} moved from epoch ${before.membership.epoch} to ${m.epoch} without a checked history (${fit.kind}${fit.kind === 'invalid' ? `: ${fit.reason}` : ''})`,
  );
}

export interface Expectations {
  /** Application messages the outboxes accepted: mid → target id. */
  readonly accepted: ReadonlyMap<string, string>;
  /** Broadcasts accepted by a member. */
  readonly broadcasts: ReadonlySet<string>;
  /** Requests started (mids). */
  readonly requests: ReadonlySet<string>;
}

/** Returns null when every invariant holds, else the first violation. */
export function checkQuiescent(world: World, expect: Expectations): string | null {
  const nodes = [...world.nodes.values()].filter((node) => node.alive);
  const n = nodes.length;
  const alive = new Set(nodes.map((node) => node.ref.id));
  for (const node of nodes) if (node.state.phase !== 'member') return `${node.ref.id} is ${node.state.phase}`;
  const first = nodes[0]!.state.membership;
  for (const node of nodes) {
    const m = node.state.membership;
    if (m.epoch !== first.epoch || m.digest !== first.digest)
      return `${node.ref.id} has epoch ${m.epoch}/${m.digest}, ${nodes[0]!.ref.id} has ${first.epoch}/${first.digest}`;
    if (m.members.length !== first.members.length || m.members.some((r, i) => r.id !== first.members[i]!.id))
      return `${node.ref.id} has a different membership at the same version`;
  }
  if (first.members.length !== n) return `membership has ${first.members.length} relays, ${n} are alive`;
  const holders = new Map<number, string>();
  let roots = 0;
  const k = world.opts.k;
  for (const node of nodes) {
    const st = treeStatus(node.state);
    if (holders.has(st.position))
      return `position ${st.position} held by ${holders.get(st.position)} and ${node.ref.id}`;
    holders.set(st.position, node.ref.id);
    if (st.position === 0) roots++;
    const parentPos = parentOf(st.position, k);
    const expectParent = parentPos === null ? null : first.members[parentPos]!.id;
    if (st.parent !== expectParent)
      return `${node.ref.id} at ${st.position} names parent ${st.parent}, expected ${expectParent}`;
    const expectChildren = childrenOf(st.position, k, n).map((c) => first.members[c]!.id);
    if (st.children.join() !== expectChildren.join())
      return `${node.ref.id} children ${st.children.join()} ≠ ${expectChildren.join()}`;
    if (st.depth !== depthOf(n, k)) return `${node.ref.id} reports depth ${st.depth}`;
    const waiting = node.state.outbox.filter((e) => e.dst === null || alive.has(e.dst));
    if (waiting.length !== 0) return `${node.ref.id} still has ${waiting.length} outbox messages for live relays`;
  }
  for (let p = 0; p < n; p++) if (!holders.has(p)) return `position ${p} is empty`;
  if (roots !== 1) return `${roots} roots`;
  for (const [mid, target] of expect.accepted) {
    if (!alive.has(target) || !alive.has(mid.slice(0, mid.lastIndexOf('.')))) continue;
    const count = world.delivered.get(mid)?.get(target) ?? 0;
    if (count !== 1) return `message ${mid} delivered ${count} times at ${target}`;
  }
  for (const mid of expect.broadcasts) {
    const counts = world.broadcastDelivered.get(mid);
    const origin = mid.slice(0, mid.lastIndexOf('.'));
    // A broadcast whose origin died for good before passing it on reached nobody: all or none.
    if (!alive.has(origin) && nodes.every((node) => (counts?.get(node.ref.id) ?? 0) === 0)) continue;
    for (const node of nodes) {
      const count = counts?.get(node.ref.id) ?? 0;
      if (count !== 1) return `broadcast ${mid} delivered ${count} times at ${node.ref.id}`;
    }
  }
  for (const mid of expect.requests) {
    if (!alive.has(mid.slice(0, mid.lastIndexOf('.')))) continue;
    if ((world.requestOutcomes.get(mid) ?? 0) !== 1) return `request ${mid} never got a reply or a timeout`;
  }
  return null;
}
