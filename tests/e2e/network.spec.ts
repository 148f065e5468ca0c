// Relays: the network view draws the tree and the outbox; with a second relay added, the app fails over to it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { runCli } from './support/cli.ts';
import { startRelay } from './support/relay.ts';

test('the network view shows the serving relay in the tree, the connection and an empty outbox', async ({
  page,
  relay,
}) => {
  await page.goto('/#/network');
  const view = page.getByTestId('network-view');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('network-connection')).toHaveAttribute('data-state', 'online');
  const node = page.locator(`[data-testid=tree-node][data-id="${relay.id}"]`);
  await expect(node).toHaveAttribute('aria-current', 'true');
  await expect(node).toHaveAttribute('data-position', '0');
  await expect(page.getByTestId('tree')).toHaveAttribute('data-size', '1');
  await expect(page.getByTestId('outbox-length')).toHaveAttribute('data-count', '0');
  await expect(page.locator('[data-testid=relay-item][data-current=true]')).toHaveAttribute('data-url', relay.url);
});

test('a relay the user added takes over when the serving relay goes away', async ({ browser }) => {
  const a = await startRelay();
  const b = await startRelay();
  const context = await browser.newContext({ baseURL: a.url });
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-failover-'));
  try {
    const page = await context.newPage();
    await page.goto('/#/network');
    await expect(page.getByTestId('app')).toHaveAttribute('data-sw', 'ready', { timeout: 20_000 });
    const connection = page.getByTestId('connection');
    await expect(connection).toHaveAttribute('data-relay-id', a.id);
    await page.getByTestId('relay-input').fill(b.url);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByTestId('relay-item')).toHaveCount(2);

    await a.stop();
    // Two failed attempts on the serving relay, then the next one in the list.
    await expect(connection).toHaveAttribute('data-relay-id', b.id, { timeout: 20_000 });
    await expect(connection).toHaveAttribute('data-state', 'online');
    await expect(page.locator('[data-testid=relay-item][data-current=true]')).toHaveAttribute('data-url', b.url);

    await page.goto('/#/');
    const bytes = randomBytes(500_000);
    await page
      .locator('input[type=file]')
      .setInputFiles([{ name: 'via-b.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
    const row = page.locator('[data-testid=file-row][data-name="via-b.bin"]');
    await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
    const got = await runCli([
      'get',
      (await row.getAttribute('data-capability'))!,
      '--relay',
      b.url,
      '-o',
      join(dir, 'out.bin'),
    ]);
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.bin')).equals(bytes)).toBe(true);
  } finally {
    await context.close();
    await a.stop();
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the network view draws a tree of three relays from the members the relay reports', async ({ browser }) => {
  const root = await startRelay();
  const others: Awaited<ReturnType<typeof startRelay>>[] = [];
  const context = await browser.newContext({ baseURL: root.url });
  try {
    others.push(await startRelay({ join: root.url }));
    others.push(await startRelay({ join: root.url }));
    // Wait until the root reports all three members (the tree protocol orders the joins).
    await expect
      .poll(async () => ((await (await fetch(`${root.url}/api/status`)).json()) as { size: number }).size, {
        timeout: 30_000,
      })
      .toBe(3);
    const page = await context.newPage();
    await page.goto('/#/network');
    const tree = page.getByTestId('tree');
    await expect(tree).toHaveAttribute('data-size', '3');
    await expect(page.getByTestId('tree-node')).toHaveCount(3);
    await expect(page.locator(`[data-testid=tree-node][data-id="${root.id}"]`)).toHaveAttribute('data-position', '0');
    // Positions come from the members list (a relay's own view alone would not know its children's positions).
    for (const r of others)
      await expect(page.locator(`[data-testid=tree-node][data-id="${r.id}"]`)).toHaveAttribute(
        'data-position',
        /^[12]$/,
      );
    await expect(page.locator('[data-testid=tree] > li > ul > li')).toHaveCount(2);
  } finally {
    await context.close();
    for (const r of others) await r.stop();
    await root.stop();
  }
});
