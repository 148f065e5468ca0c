// "#/network": the relays (add, remove, which one is in use), the connection, the outbox, and the tree as the
// current relay's /api/status describes it.
import type { ConnectionSnapshot } from '../sync/connection-monitor.ts';
import { h, setAttrs, setText } from './dom.ts';
import { fetchRelayStatus, type RelayStatus } from '../sync/relay-status.ts';
import type { RelayList } from '../data/relays.ts';
import { NETWORK_VIEW_REFRESH_MS } from '../../../core/limits.ts';

export interface NetworkViewDeps {
  readonly relays: RelayList;
  readonly outbox: () => Promise<{ uploads: number; releases: number; memories?: number }>;
}

export interface NetworkView {
  readonly element: HTMLElement;
  show(): void;
  hide(): void;
  renderConnection(snapshot: ConnectionSnapshot): void;
}

interface TreeNode {
  readonly id: string;
  readonly position: number | null;
  readonly url: string | null;
  readonly children: TreeNode[];
}

/** The tree from a status: every member by position when the relay lists them, else its own neighbourhood. */
export function treeOf(status: RelayStatus): TreeNode {
  const k = status.maxPeers;
  if (status.members && status.members.length > 0 && k) {
    const byPosition = new Map(
      status.members.map((m) => [
        m.position,
        { id: m.id, position: m.position, url: m.url, children: [] as TreeNode[] },
      ]),
    );
    let root: TreeNode | null = null;
    for (const node of [...byPosition.values()].sort((a, b) => a.position - b.position)) {
      if (node.position === 0) root = node;
      else byPosition.get(Math.floor((node.position - 1) / k))?.children.push(node);
    }
    if (root) return root;
  }
  const self: TreeNode = {
    id: status.id,
    position: status.position,
    url: status.url,
    children: status.children.map((id) => ({ id, position: null, url: null, children: [] })),
  };
  return status.parent ? { id: status.parent, position: null, url: null, children: [self] } : self;
}

function drawTree(node: TreeNode, selfId: string): HTMLLIElement {
  const label = h(
    'span',
    {
      class: `tree-node${node.id === selfId ? ' tree-node-self' : ''}`,
      'data-testid': 'tree-node',
      'data-id': node.id,
      'data-position': node.position,
      'aria-current': node.id === selfId ? 'true' : null,
    },
    h('code', {}, node.id),
    node.position !== null ? h('span', { class: 'tree-pos' }, ` #${node.position}`) : null,
    node.id === selfId ? h('span', { class: 'tree-you' }, ' (your relay)') : null,
  );
  const li = h('li', {}, label);
  if (node.children.length > 0) li.append(h('ul', {}, ...node.children.map((c) => drawTree(c, selfId))));
  return li;
}

export function createNetworkView(deps: NetworkViewDeps): NetworkView {
  const connection = h('p', {
    class: 'network-connection',
    'data-testid': 'network-connection',
    'data-state': 'offline',
  });
  const outbox = h('p', { class: 'network-outbox', 'data-testid': 'outbox-length', 'data-count': 0 });
  const relayList = h('ul', { class: 'relay-list', 'data-testid': 'relay-list', 'aria-label': 'Relays' });
  const input = h('input', {
    type: 'url',
    id: 'relay-url',
    class: 'text-input',
    placeholder: 'https://relay.example:8443',
    required: true,
    'data-testid': 'relay-input',
  });
  const formError = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'relay-form', 'data-testid': 'relay-form' },
    h('label', { for: 'relay-url' }, 'Add a relay'),
    h('span', { class: 'relay-form-row' }, input, h('button', { type: 'submit', class: 'button' }, 'Add')),
    formError,
  );
  const treeSummary = h('p', { class: 'tree-summary', 'data-testid': 'tree-summary' });
  const tree = h('ul', { class: 'tree', 'data-testid': 'tree', 'aria-label': 'Relay tree' });
  const element = h(
    'section',
    { class: 'view view-network', 'aria-labelledby': 'network-title', 'data-testid': 'network-view' },
    h('h1', { id: 'network-title' }, 'Network'),
    h('div', { class: 'card' }, h('h2', {}, 'Connection'), connection, outbox),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Relays'),
      h(
        'p',
        { class: 'note' },
        'The app uses the first relay that answers, in this order, and moves to the next when one is unreachable.',
      ),
      relayList,
      form,
    ),
    h('div', { class: 'card' }, h('h2', {}, 'The tree'), treeSummary, tree),
  );

  let timer: ReturnType<typeof setInterval> | undefined;
  let lastSnapshot: ConnectionSnapshot | null = null;

  const renderRelays = (): void => {
    const current = deps.relays.current();
    relayList.replaceChildren(
      ...deps.relays.all().map((url) => {
        const li = h(
          'li',
          { 'data-testid': 'relay-item', 'data-url': url, 'data-current': url === current ? 'true' : null },
          h('code', {}, url),
          url === current ? h('span', { class: 'badge badge-stored' }, 'in use') : null,
        );
        if (url === deps.relays.origin) li.append(h('span', { class: 'note' }, ' served this app'));
        else {
          const remove = h(
            'button',
            { type: 'button', class: 'link-button', 'aria-label': `Remove relay ${url}` },
            'Remove',
          );
          remove.addEventListener('click', () => void deps.relays.remove(url));
          li.append(remove);
        }
        return li;
      }),
    );
  };

  const refresh = async (): Promise<void> => {
    const counts = await deps.outbox().catch(() => ({ uploads: 0, releases: 0, memories: 0 }));
    const memories = counts.memories ?? 0;
    const n = counts.uploads + counts.releases + memories;
    setAttrs(outbox, { 'data-count': n });
    setText(
      outbox,
      n === 0
        ? 'Outbox: empty, everything is delivered.'
        : `Outbox: ${counts.uploads} upload${counts.uploads === 1 ? '' : 's'}, ${counts.releases} delete${counts.releases === 1 ? '' : 's'} and ${memories} description${memories === 1 ? '' : 's'} waiting.`,
    );
    try {
      const status = await fetchRelayStatus(deps.relays.current());
      const root = treeOf(status);
      tree.replaceChildren(drawTree(root, status.id));
      setAttrs(tree, { 'data-size': status.size, 'data-depth': status.depth });
      setText(
        treeSummary,
        `${status.size} relay${status.size === 1 ? '' : 's'}, depth ${status.depth}, epoch ${status.epoch}. Your relay holds ${status.shards} shards and has ${status.outbox} messages waiting.`,
      );
    } catch (err) {
      setText(treeSummary, `The tree is not visible right now: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setText(formError, '');
    deps.relays.add(input.value).then(
      () => (input.value = ''),
      (err: unknown) => setText(formError, err instanceof Error ? err.message : String(err)),
    );
  });
  deps.relays.addEventListener('change', () => {
    renderRelays();
    if (lastSnapshot) view.renderConnection(lastSnapshot);
  });
  renderRelays();

  const view: NetworkView = {
    element,
    show() {
      renderRelays();
      void refresh();
      clearInterval(timer);
      timer = setInterval(() => void refresh(), NETWORK_VIEW_REFRESH_MS);
    },
    hide() {
      clearInterval(timer);
    },
    renderConnection(s) {
      lastSnapshot = s;
      setAttrs(connection, { 'data-state': s.state, 'data-socket': s.socket });
      const relay = deps.relays.current();
      setText(
        connection,
        s.state === 'online'
          ? `Online through ${relay}${s.relayId ? ` (relay ${s.relayId})` : ''}; secure channel ${s.socket === 'ready' ? 'open' : s.socket}.`
          : `Offline: ${s.browserOnline ? `no relay reachable at ${relay}` : 'this device has no network'}. Changes wait in the outbox.`,
      );
    },
  };
  return view;
}
