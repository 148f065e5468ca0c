// The connection badge `[data-testid=connection]` (data-state online|offline) with a readable description.
import type { ConnectionSnapshot } from '../sync/connection-monitor.ts';
import { h, setAttrs, setText } from './dom.ts';

export interface ConnectionView {
  readonly element: HTMLElement;
  render(snapshot: ConnectionSnapshot): void;
}

function describe(s: ConnectionSnapshot): string {
  if (!s.browserOnline) return 'This device has no network. Your files stay here and the app keeps working.';
  if (s.state === 'online') {
    const relay = s.status ? `relay ${s.status.id}` : 'the relay';
    const tree = s.status ? ` · tree of ${s.status.size} relay${s.status.size === 1 ? '' : 's'}` : '';
    const socket = s.socket === 'ready' ? ' · secure channel open' : '';
    return `Connected to ${relay}${tree}${socket}`;
  }
  // The socket's own reason is technical: it stays on the badge's data-last-error, out of the words.
  return 'No relay can be reached right now. Your files and changes wait on this device and are sent on their own when a relay answers.';
}

export function createConnectionView(): ConnectionView {
  const label = h('span', { class: 'connection-label' }, 'Offline');
  const element = h(
    'p',
    {
      class: 'connection',
      'data-testid': 'connection',
      'data-state': 'offline',
      'data-socket': 'idle',
      role: 'status',
      'aria-live': 'polite',
    },
    h('span', { class: 'connection-dot', 'aria-hidden': 'true' }),
    label,
  );
  return {
    element,
    render(snapshot) {
      setAttrs(element, {
        'data-state': snapshot.state,
        'data-socket': snapshot.socket,
        'data-relay-id': snapshot.relayId,
        'data-last-error': snapshot.state === 'online' ? null : snapshot.lastError,
        title: describe(snapshot),
      });
      setText(label, snapshot.state === 'online' ? 'Online' : 'Offline');
    },
  };
}
