// The Workbox service worker precaches the app shell: with the network gone, a reload still opens the app.
import { NODE_ID_RE, expect, test } from './support/fixtures.ts';

test('after the first visit the shell reloads offline and shows the connection as offline', async ({
  page,
  context,
}) => {
  await page.goto('/');
  const app = page.getByTestId('app');
  const connection = page.getByTestId('connection');
  // "ready" means: registered, installed (precache filled), activated and controlling this page.
  await expect(app).toHaveAttribute('data-sw', 'ready', { timeout: 20_000 });
  await expect(connection).toHaveAttribute('data-state', 'online');
  const id = await page.getByTestId('node-id').getAttribute('data-node-id');
  expect(id).toMatch(NODE_ID_RE);

  await context.setOffline(true);
  await expect(connection).toHaveAttribute('data-state', 'offline');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your files' })).toBeVisible();
  await expect(app).toHaveAttribute('data-boot', 'ready');
  await expect(connection).toHaveAttribute('data-state', 'offline');
  // IndexedDB needs no network: the same identity is back.
  await expect(page.getByTestId('node-id')).toHaveAttribute('data-node-id', id!);

  // A client-side route that was never visited also opens from the cache (navigation fallback).
  await page.goto('/some/deep/link#/open/abc123');
  await expect(page.getByTestId('open-view')).toHaveAttribute('data-state', 'error');
  await expect(connection).toHaveAttribute('data-state', 'offline');

  // Back online: the app notices without a reload.
  await context.setOffline(false);
  await expect(connection).toHaveAttribute('data-state', 'online', { timeout: 15_000 });
});

test('the service worker leaves the relay API to the network', async ({ page, context }) => {
  await page.goto('/');
  await expect(page.getByTestId('app')).toHaveAttribute('data-sw', 'ready', { timeout: 20_000 });
  await context.setOffline(true);
  const outcome = await page.evaluate(async () => {
    try {
      const res = await fetch('/api/status', { cache: 'no-store' });
      return `answered ${res.status} ${res.headers.get('content-type') ?? ''}`;
    } catch {
      return 'network error';
    }
  });
  // Never the cached app shell in place of the API.
  expect(outcome).not.toContain('text/html');
  await context.setOffline(false);
});
