// Linking a second device through a relay mailbox: device A shows a link, a fresh browser B opens it, both show
// the same code, A confirms, and B ends up with A's identity and files (identical bytes), and the two stay in
// step. Rejecting the code on A leaves B with its own key and a plain explanation.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { NODE_ID_RE, expect, test } from './support/fixtures.ts';

async function downloadBytes(page: Page, capability: string): Promise<Buffer> {
  await page.goto(`/#/open/${capability}`);
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('download').click();
  return readFileSync((await (await downloadEvent).path())!);
}

/** Starts a link on A's device view and returns its URL. */
async function startLink(a: Page): Promise<string> {
  await a.goto('/#/device');
  await expect(a.getByTestId('device-node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
  await expect(a.getByTestId('link-unavailable')).toBeHidden();
  await a.getByTestId('link-start').click();
  const url = a.getByTestId('link-url');
  await expect(url).toHaveValue(/\/#\/link\/[0-9a-f]{64}\.[0-9a-f]{64}$/);
  await expect(a.getByTestId('link-qr')).toBeVisible();
  return url.inputValue();
}

/**
 * Waits until both screens show a code and returns it (they must be the same). A's screen is the card on
 * #/device, B's the #/link view: both are in every page, one of them hidden.
 */
async function sameCode(a: Page, b: Page): Promise<string> {
  const codeA = a.getByTestId('link-panel').getByTestId('link-code');
  const codeB = b.getByTestId('link-view').getByTestId('link-code');
  await expect(codeB).toHaveAttribute('data-code', /^\d{6}$/);
  await expect(codeA).toHaveAttribute('data-code', /^\d{6}$/);
  const code = (await codeA.getAttribute('data-code'))!;
  expect(await codeB.getAttribute('data-code')).toBe(code);
  expect(await codeB.textContent()).toBe(await codeA.textContent());
  return code;
}

test('a second device opens the link, confirms the code, and gets the same identity and files', async ({
  page: a,
  browser,
  relay,
}) => {
  // An upload, a library version, the link, a reload of B and a sync back: more than the default 30 s under load.
  test.setTimeout(150_000);
  await a.goto('/');
  await expect(a.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const file = { name: 'from-a.bin', mimeType: 'application/octet-stream', buffer: randomBytes(300_000) };
  await a.locator('input[type=file]').setInputFiles([file]);
  const rowA = a.locator(`[data-testid=file-row][data-name="${file.name}"]`);
  await expect(rowA).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
  const capability = (await rowA.getAttribute('data-capability'))!;
  await expect(a.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  await expect(a.getByTestId('library-sync')).not.toHaveAttribute('data-detail', 'empty');

  const linkUrl = await startLink(a);
  const nodeIdA = (await a.getByTestId('device-node-id').getAttribute('data-node-id'))!;
  expect(new URL(linkUrl).origin).toBe(new URL(relay.url).origin);

  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const b = await other.newPage();
    await b.goto(linkUrl);
    await expect(b.getByRole('heading', { name: 'Link this browser to your other device' })).toBeVisible();
    await sameCode(a, b);
    // B has its own fresh key until A confirms.
    await expect(b.getByTestId('node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
    expect(await b.getByTestId('node-id').getAttribute('data-node-id')).not.toBe(nodeIdA);

    await a.getByTestId('link-confirm').click();
    await expect(a.getByTestId('link-panel').getByTestId('link-done')).toHaveText(
      'Linked. The other device now has your files.',
      { timeout: 20_000 },
    );
    await expect(b.getByTestId('link-view').getByTestId('link-done')).toBeVisible({ timeout: 20_000 });

    // B reloads by itself into the file list, signing as A's key, with A's file stored there.
    await expect(b.getByTestId('node-id')).toHaveAttribute('data-node-id', nodeIdA, { timeout: 20_000 });
    await expect(b).toHaveURL(/#\/$/);
    await expect(b.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const rowB = b.locator(`[data-testid=file-row][data-name="${file.name}"]`);
    await expect(rowB).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
    await expect(rowB).toHaveAttribute('data-capability', capability);
    expect((await downloadBytes(b, capability)).equals(file.buffer)).toBe(true);

    // Both devices open together: a file added on B shows on A within 30 s.
    await b.goto('/#/');
    await expect(b.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const added = { name: 'from-b.txt', mimeType: 'text/plain', buffer: randomBytes(4_000) };
    await b.locator('input[type=file]').setInputFiles([added]);
    await expect(b.locator(`[data-testid=file-row][data-name="${added.name}"]`)).toHaveAttribute(
      'data-status',
      'stored',
      { timeout: 30_000 },
    );
    await a.goto('/#/');
    await expect(a.locator(`[data-testid=file-row][data-name="${added.name}"]`)).toHaveAttribute(
      'data-status',
      'stored',
      { timeout: 30_000 },
    );
  } finally {
    await other.close();
  }
});

test('"They differ" on the first device sends nothing: the second keeps its own key and is told why', async ({
  page: a,
  browser,
  relay,
}) => {
  test.setTimeout(90_000);
  const linkUrl = await startLink(a);
  const nodeIdA = (await a.getByTestId('device-node-id').getAttribute('data-node-id'))!;

  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const b = await other.newPage();
    await b.goto(linkUrl);
    await sameCode(a, b);
    await expect(b.getByTestId('node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
    const nodeIdB = (await b.getByTestId('node-id').getAttribute('data-node-id'))!;
    expect(nodeIdB).not.toBe(nodeIdA);

    await a.getByTestId('link-reject').click();
    await expect(a.getByTestId('link-rejected')).toContainText('Nothing was sent');
    await expect(a.getByTestId('link-start')).toBeVisible();

    const error = b.getByTestId('link-view').getByTestId('link-error');
    await expect(error).toContainText('This browser was not changed', { timeout: 20_000 });
    await expect(error).toContainText('Link another device');
    // The technical words are behind a disclosure, closed.
    await expect(error.locator('details')).toHaveCount(1);
    await expect(error.locator('details')).not.toHaveAttribute('open', /.*/);
    await expect(b.getByTestId('link-view').getByTestId('link-done')).toHaveCount(0);

    // After a reload B still signs as its own key.
    await b.goto('/#/device');
    await expect(b.getByTestId('node-id')).toHaveAttribute('data-node-id', nodeIdB, { timeout: 15_000 });
    await expect(b.getByTestId('device-node-id')).toHaveAttribute('data-node-id', nodeIdB);
  } finally {
    await other.close();
  }
});

test("a browser with files of its own asks before it takes the other device's key", async ({
  page: a,
  browser,
  relay,
}) => {
  test.setTimeout(90_000);
  const linkUrl = await startLink(a);
  const nodeIdA = (await a.getByTestId('device-node-id').getAttribute('data-node-id'))!;

  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const b = await other.newPage();
    await b.goto('/');
    await expect(b.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    await b
      .locator('input[type=file]')
      .setInputFiles([{ name: 'own.txt', mimeType: 'text/plain', buffer: randomBytes(2_000) }]);
    await expect(b.locator('[data-testid=file-row][data-name="own.txt"]')).toHaveCount(1);

    await b.goto(linkUrl);
    const view = b.getByTestId('link-view');
    await expect(view.getByTestId('link-own-files')).toBeVisible();
    // Nothing was answered yet: A still waits for a device to open the link.
    await expect(a.getByTestId('link-waiting')).toBeVisible();
    await expect(view.getByTestId('link-code')).not.toHaveAttribute('data-code', /.+/);

    await view.getByTestId('link-join').click();
    await sameCode(a, b);
    await a.getByTestId('link-confirm').click();
    await expect(view.getByTestId('link-done')).toBeVisible({ timeout: 20_000 });
    await expect(b.getByTestId('node-id')).toHaveAttribute('data-node-id', nodeIdA, { timeout: 20_000 });
  } finally {
    await other.close();
  }
});
