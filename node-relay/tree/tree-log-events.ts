// The log lines an operator pages on, derived from what one tree step changed (the core stays pure: it
// returns a new state; this shell compares it with the old one). Event names are stable: alerts match them.
//
// | event                | level | when                                                          |
// | tree.epoch_changed   | info  | the membership this relay holds moved to a new epoch          |
// | tree.member_added    | info  | a relay joined the membership                                 |
// | tree.member_removed  | warn  | a relay left or was removed from the membership               |
// | tree.became_root     | warn  | this relay took position 0 (failover, or the root left)       |
// | tree.new_parent      | info  | this relay's parent is another relay                          |
// | tree.peer_suspected  | warn  | a watched neighbour stopped answering heartbeats              |
// | tree.peer_lost       | info  | the link to a tree neighbour closed                           |
// | tree.peer_recovered  | info  | a suspected neighbour answered again                          |
import { memberAt, parentOf, positionOf, type TreeState } from '../../core/tree/index.ts';
import { MAX_MEMBER_EVENTS } from '../../core/limits.ts';

const myPosition = (s: TreeState): number => positionOf(s.membership, s.self.id);

export interface TreeLogEvent {
  readonly event: string;
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

function parentId(s: TreeState): string | null {
  const p = myPosition(s);
  if (p < 0) return null;
  const parent = parentOf(p, s.k);
  return parent === null ? null : (memberAt(s.membership, parent)?.id ?? null);
}

/** What changed between `before` and `after`, as log events (empty when nothing an operator cares about). */
export function treeLogEvents(before: TreeState, after: TreeState): TreeLogEvent[] {
  const out: TreeLogEvent[] = [];
  const wasMember = before.phase === 'member' && myPosition(before) >= 0;
  const isMember = (after.phase === 'member' || after.phase === 'leaving') && myPosition(after) >= 0;
  const epochMoved =
    after.membership.epoch !== before.membership.epoch || after.membership.digest !== before.membership.digest;
  if (epochMoved && isMember) {
    out.push({
      event: 'tree.epoch_changed',
      level: 'info',
      msg: 'the tree membership changed',
      fields: {
        from: before.membership.epoch,
        epoch: after.membership.epoch,
        size: after.membership.members.length,
        position: myPosition(after),
      },
    });
    // Only changes seen from inside the tree: a relay that just joined is told the whole list, not news.
    if (wasMember) {
      const added = after.membership.members.filter((m) => positionOf(before.membership, m.id) < 0);
      const removed = before.membership.members.filter((m) => positionOf(after.membership, m.id) < 0);
      for (const m of removed.slice(0, MAX_MEMBER_EVENTS)) {
        out.push({
          event: 'tree.member_removed',
          level: 'warn',
          msg: 'a relay is no longer a member of the tree',
          fields: {
            id: m.id,
            url: m.url,
            position: positionOf(before.membership, m.id),
            epoch: after.membership.epoch,
          },
        });
      }
      for (const m of added.slice(0, MAX_MEMBER_EVENTS)) {
        out.push({
          event: 'tree.member_added',
          level: 'info',
          msg: 'a relay joined the tree',
          fields: { id: m.id, url: m.url, position: positionOf(after.membership, m.id), epoch: after.membership.epoch },
        });
      }
    }
  }
  if (isMember && myPosition(after) === 0 && myPosition(before) !== 0 && after.membership.members.length > 1) {
    const oldRoot = memberAt(before.membership, 0);
    out.push({
      event: 'tree.became_root',
      level: 'warn',
      msg: 'this relay is now the root of the tree',
      fields: { previous: oldRoot?.id ?? null, epoch: after.membership.epoch },
    });
  }
  if (isMember && wasMember) {
    const was = parentId(before);
    const now = parentId(after);
    if (now !== null && now !== was)
      out.push({
        event: 'tree.new_parent',
        level: 'info',
        msg: 'this relay has a new parent',
        fields: { parent: now, previous: was, epoch: after.membership.epoch },
      });
  }
  for (const id of Object.keys(after.suspects)) {
    if (before.suspects[id] === undefined)
      out.push({
        event: 'tree.peer_suspected',
        level: 'warn',
        msg: 'a neighbour relay stopped answering',
        fields: { id, position: positionOf(after.membership, id) },
      });
  }
  for (const id of Object.keys(before.suspects)) {
    if (after.suspects[id] === undefined && positionOf(after.membership, id) >= 0)
      out.push({ event: 'tree.peer_recovered', level: 'info', msg: 'a neighbour relay answers again', fields: { id } });
  }
  for (const id of Object.keys(before.connected)) {
    if (after.connected[id] === undefined && positionOf(after.membership, id) >= 0)
      out.push({ event: 'tree.peer_lost', level: 'info', msg: 'the link to a neighbour relay closed', fields: { id } });
  }
  return out;
}
