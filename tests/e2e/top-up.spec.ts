// A file stored while the tree had one relay ("Stored on 1 relay") shows 3 once two more relays join, with no
// click: the page looks at the tree again on a backoff and offers the pieces again, so the relays place the
// missing copies; each of the three relays then holds the file's manifest on disk.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { startRelay, type RunningRelay } from './support/relay.ts';

const onDisk = (relay: RunningRelay, hash: string): boolean =>
  existsSync(join(relay.dataDir, 'shards', hash.slice(0, 2), hash));

test('a file stored on a lone relay is topped up to 3 copies as two relays join, and the row says so', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const relays: RunningRelay[] = [await startRelay()];
  const context = await browser.newContext({ baseURL: relays[0]!.url });
  try {
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const file = { name: 'early.bin', mimeType: 'application/octet-stream', buffer: randomBytes(2 * 1024 * 1024 + 5) };
    await page.locator('input[type=file]').setInputFiles([file]);
    const row = page.locator(`[data-testid=file-row][data-name="${file.name}"]`);
    await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
    await expect(row).toHaveAttribute('data-replicas', '1');
    await expect(row.getByTestId('file-detail')).toHaveText(
      'Stored on 1 relay · 2 more copies are made as relays join',
    );
    const manifest = (await row.getAttribute('data-capability'))!.split('.')[1]!;

    relays.push(await startRelay({ join: relays[0]!.url }));
    relays.push(await startRelay({ join: relays[0]!.url }));
    await expect(row).toHaveAttribute('data-replicas', '3', { timeout: 90_000 });
    await expect(row.getByTestId('file-detail')).toHaveText('Stored on 3 relays');
    expect(relays.map((r) => onDisk(r, manifest))).toEqual([true, true, true]);
    // The count is kept in the record: a reload shows it too.
    await page.reload();
    await expect(page.locator(`[data-testid=file-row][data-name="${file.name}"]`)).toHaveAttribute(
      'data-replicas',
      '3',
    );
  } finally {
    await context.close();
    await Promise.all(relays.map((r) => r.stop()));
  }
});
