// The tree as the member directory applications such as storage expect: every member (this relay
// included, even before it has joined), direct links by id, and the members that left on each change.
import type { Link } from '../ws/link.ts';
import type { TreeApi } from './tree-api.ts';

export interface TreePeers {
  readonly selfId: string;
  members(): readonly { readonly id: string; readonly url: string }[];
  linkTo(id: string): Promise<Link>;
  onDeparted(listener: (departed: readonly string[]) => void): void;
}

export function treePeers(api: TreeApi): TreePeers {
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
