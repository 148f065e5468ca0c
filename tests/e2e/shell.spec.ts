// The app shell served by a real relay: node id kept across reloads, connection online, routes, manifest.
import { NODE_ID_RE, expect, test } from './support/fixtures.ts';

test('loads from the relay, shows a node id that survives a reload, and is online', async ({ page, relay }) => {
  await page.goto('/');
  const nodeId = page.getByTestId('node-id');
  await expect(nodeId).toHaveAttribute('data-node-id', NODE_ID_RE);
  const id = await nodeId.getAttribute('data-node-id');
  await expect(nodeId).toHaveText(id!);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'online');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-relay-id', relay.id);
  // The browser's id is its own, not the relay's.
  expect(id).not.toBe(relay.id);

  await page.reload();
  await expect(nodeId).toHaveAttribute('data-node-id', id!);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'online');
});

test('keeps the private key in IndexedDB as a non-extractable Ed25519 CryptoKey', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
  const stored = await page.evaluate(
    () =>
      new Promise<{ algorithm: string; extractable: boolean; type: string; usages: string[]; publicKeyBytes: number }>(
        (resolve, reject) => {
          const open = indexedDB.open('peertree');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('identity').objectStore('identity').get('self');
            get.onerror = () => reject(get.error);
            get.onsuccess = () => {
              const r = get.result as { privateKey: CryptoKey; publicKey: Uint8Array };
              resolve({
                algorithm: r.privateKey.algorithm.name,
                extractable: r.privateKey.extractable,
                type: r.privateKey.type,
                usages: [...r.privateKey.usages],
                publicKeyBytes: r.publicKey.length,
              });
            };
          };
        },
      ),
  );
  expect(stored).toEqual({
    algorithm: 'Ed25519',
    extractable: false,
    type: 'private',
    usages: ['sign'],
    publicKeyBytes: 32,
  });
});

test('a fresh browser context gets a different identity', async ({ page, browser }) => {
  await page.goto('/');
  await expect(page.getByTestId('node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
  const first = await page.getByTestId('node-id').getAttribute('data-node-id');
  const other = await browser.newContext();
  try {
    const page2 = await other.newPage();
    await page2.goto('/');
    await expect(page2.getByTestId('node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
    expect(await page2.getByTestId('node-id').getAttribute('data-node-id')).not.toBe(first);
  } finally {
    await other.close();
  }
});

test('#/open/ with something that is not a capability says so, and offers no download', async ({ page }) => {
  await page.goto('/#/open/abc123def456');
  const view = page.getByTestId('open-view');
  await expect(view).toHaveAttribute('data-state', 'error');
  await expect(view).toHaveAttribute('data-error', 'BAD_INPUT');
  await expect(page.getByTestId('open-status')).toContainText('not a valid PeerTree link');
  await expect(page.getByTestId('open-capability')).toHaveText('abc123def456');
  await expect(page.getByTestId('download')).toHaveCount(0);

  // Deep links through the relay's SPA fallback and unknown routes.
  await page.goto('/#/nowhere');
  await expect(page.getByTestId('not-found')).toBeVisible();
  await page.getByRole('link', { name: 'Back to your files' }).click();
  await expect(page.getByRole('heading', { name: 'Your files' })).toBeVisible();
});

test('serves an installable web app manifest with real icons', async ({ request }) => {
  const res = await request.get('/manifest.webmanifest');
  expect(res.ok()).toBe(true);
  const manifest = (await res.json()) as {
    name: string;
    short_name: string;
    display: string;
    start_url: string;
    theme_color: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
  };
  expect(manifest).toMatchObject({ name: 'PeerTree', short_name: 'PeerTree', display: 'standalone', start_url: '/' });
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  const sizes = manifest.icons.map((i) => i.sizes);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
  for (const icon of manifest.icons) {
    const r = await request.get(`/${icon.src}`);
    expect(r.ok(), icon.src).toBe(true);
    const body = await r.body();
    if (icon.type === 'image/png') expect([...body.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  }
});
