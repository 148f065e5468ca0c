// The one peers interface replication uses (storage and search alike): the members, a direct link to one of
// them, and the members that left; `treePeers` makes it from the tree, `lonePeers` for a relay alone.
import { PeerTreeError } from '../../core/errors.ts';
import type { Link } from '../ws/link.ts';
import type { TreeApi } from '../tree/tree-api.ts';

export interface PeerMember {
  readonly id: string;
  readonly url: string;
}

export interface Peers {
  readonly selfId: string;
  /** Every relay of the tree, this one included. */
  members(): readonly PeerMember[];
  /** A direct link to the member with this id (reused when one is open). */
  linkTo(id: string): Promise<Link>;
  /** Called with the members that left whenever the membership changes. */
  onDeparted(listener: (departed: readonly string[]) => void): void;
}

/** A relay alone in its tree: it is the only member. */
export function lonePeers(selfId: string, selfUrl: string): Peers {
  return {
    selfId,
    members: () => [{ id: selfId, url: selfUrl }],
    linkTo: async (id) => {
      throw new PeerTreeError('UNAVAILABLE', `relay ${id} is not in this tree`);
    },
    onDeparted: () => {},
  };
}

/**
 * The tree as a member directory: every member (this relay included, even before it has joined), direct
 * links by id, and the members that left on each change.
 */
export function treePeers(api: TreeApi): Peers {
  return {
    selfId: api.self.id,
    members: () => {
      const members = api.members().map((m) => ({ id: m.id, url: m.url }));
      return members.length > 0 ? members : [{ id: api.self.id, url: api.self.url }];
    },
    linkTo: (id) => api.linkTo(id),
    onDeparted: (listener) => {
      api.onMembership((change) => {
        if (change.departed.length > 0) listener(change.departed);
      });
    },
  };
}
