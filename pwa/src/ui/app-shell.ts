// The page around the views: skip link, top bar with the navigation, the update banner, the footer, and the
// hash routing that shows one view at a time.
import { h, setAttrs } from './dom.ts';
import { watchRoute, type Route } from './router.ts';

export interface ShellParts {
  /** One element per route; only the current one is visible. */
  readonly views: Record<Route['name'], HTMLElement>;
  /** Shown at the end of the top bar (the connection badge). */
  readonly topbar: HTMLElement;
  readonly footer: HTMLElement;
  /** Called on every route change, after the matching view was made visible. */
  onRoute(route: Route): void;
  /** Receives the function that shows the "new version" banner. */
  onUpdated(show: () => void): void;
}

const TITLES: Record<Route['name'], string> = {
  files: 'PeerTree',
  open: 'Open a file — PeerTree',
  search: 'Search — PeerTree',
  network: 'Network — PeerTree',
  device: 'This device — PeerTree',
  albums: 'Albums — PeerTree',
  link: 'Link this browser — PeerTree',
  'not-found': 'Not found — PeerTree',
};

export function mountShell(root: HTMLElement, parts: ShellParts): void {
  const updateBanner = h(
    'div',
    { class: 'notice notice-update', role: 'status', 'data-testid': 'update-banner', hidden: true },
    'A new version of PeerTree is ready. ',
    h('button', { type: 'button', class: 'button' }, 'Reload'),
  );
  updateBanner.querySelector('button')?.addEventListener('click', () => location.reload());
  parts.onUpdated(() => (updateBanner.hidden = false));

  const v = parts.views;
  const main = h(
    'main',
    { id: 'main', class: 'main', tabindex: -1 },
    v.files,
    v.albums,
    v.open,
    v.search,
    v.network,
    v.device,
    v.link,
    v['not-found'],
  );
  const navLink = (href: string, label: string, route: Route['name']): HTMLAnchorElement =>
    h('a', { href, class: 'nav-link', 'data-route': route }, label);
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Main' },
    navLink('#/', 'Files', 'files'),
    navLink('#/albums', 'Albums', 'albums'),
    navLink('#/search', 'Search', 'search'),
    navLink('#/network', 'Network', 'network'),
    navLink('#/device', 'Device', 'device'),
  );
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        { class: 'brand', href: '#/' },
        h('img', { src: '/icon.svg', alt: '', width: 28, height: 28 }),
        h('span', {}, 'PeerTree'),
      ),
      nav,
      parts.topbar,
    ),
    updateBanner,
    main,
    h('footer', { class: 'footer' }, parts.footer),
  );
  // The skip link must not change the hash route.
  root.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });

  watchRoute((route) => {
    for (const [name, el] of Object.entries(v)) el.hidden = name !== route.name;
    for (const a of nav.querySelectorAll('a'))
      setAttrs(a, { 'aria-current': a.dataset.route === route.name ? 'page' : null });
    parts.onRoute(route);
    root.dataset.route = route.name;
    document.title = TITLES[route.name];
  });
}
