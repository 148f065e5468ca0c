// What the storage application needs from the tree: the members, and a direct link to one of them.
import { PeerTreeError } from '../../core/errors.ts';
import type { Link } from '../ws/link.ts';

export interface StorageMember {
  readonly id: string;
  readonly url: string;
}

export interface StoragePeers {
  readonly selfId: string;
  /** Every relay of the tree, this one included. */
  members(): readonly StorageMember[];
  /** A direct link to the member with this id (reused when one is open). */
  linkTo(id: string): Promise<Link>;
  /** Called with the members that left whenever the membership changes. */
  onDeparted(listener: (departed: readonly string[]) => void): void;
}

/** A relay alone in its tree: it is the only member. */
export function lonePeers(selfId: string, selfUrl: string): StoragePeers {
  return {
    selfId,
    members: () => [{ id: selfId, url: selfUrl }],
    linkTo: async (id) => {
      throw new PeerTreeError('UNAVAILABLE', `relay ${id} is not in this tree`);
    },
    onDeparted: () => {},
  };
}
