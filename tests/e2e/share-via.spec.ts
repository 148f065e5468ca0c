// Share links that outlive a relay: the link names other relays of the tree (`?via=`), the share dialog shows
// it and the same link through each of them, and the open view tries the serving relay, then the named ones in
// turn. A file stored on a 3-relay tree downloads with identical bytes while the relay named first is stopped.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { startRelay, type RunningRelay } from './support/relay.ts';

async function download(page: Page, url: string): Promise<Buffer> {
  await page.goto(url);
  await expect(page.getByTestId('open-view')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('download').click();
  return readFileSync((await (await downloadEvent).path())!);
}

test('a link opens through the other relays it names while the first one is stopped', async ({
  browser,
  relay: lone,
}) => {
  test.setTimeout(150_000);
  const relays: RunningRelay[] = [await startRelay()];
  relays.push(await startRelay({ join: relays[0]!.url }));
  relays.push(await startRelay({ join: relays[0]!.url }));
  const [r1, r2, r3] = relays as [RunningRelay, RunningRelay, RunningRelay];
  const owner = await browser.newContext({ baseURL: r1.url });
  try {
    const a = await owner.newPage();
    await a.goto('/');
    await expect(a.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const file = { name: 'shared.bin', mimeType: 'application/octet-stream', buffer: randomBytes(1024 * 1024 + 999) };
    await a.locator('input[type=file]').setInputFiles([file]);
    const row = a.locator(`[data-testid=file-row][data-name="${file.name}"]`);
    await expect(row).toHaveAttribute('data-replicas', '3', { timeout: 60_000 });
    const capability = (await row.getAttribute('data-capability'))!;

    await row.getByTestId('file-share').click();
    const dialog = a.getByTestId('share-dialog');
    const link = dialog.getByTestId('share-link');
    await expect(link).toHaveAttribute('data-via', '2', { timeout: 10_000 });
    const via = (u: string): string => encodeURIComponent(u);
    expect([
      `${r1.url}/#/open/${capability}?via=${via(r2.url)},${via(r3.url)}`,
      `${r1.url}/#/open/${capability}?via=${via(r3.url)},${via(r2.url)}`,
    ]).toContain(await link.inputValue());
    await dialog.getByTestId('share-others').locator('summary').click();
    const alt = dialog.locator(`[data-testid=share-link-alt][data-relay="${r2.url}"]`);
    const throughR2 = await alt.inputValue();
    expect(throughR2.startsWith(`${r2.url}/#/open/${capability}?via=${via(r1.url)},`)).toBe(true);
    await expect(dialog.getByTestId('share-qr')).toHaveAttribute('data-modules', /^\d+$/);

    await r1.stop();
    // A recipient who never loaded the app: the link through relay 2, whose list names the stopped relay first.
    const recipient = await browser.newContext();
    try {
      const b = await recipient.newPage();
      expect((await download(b, throughR2)).equals(file.buffer)).toBe(true);
    } finally {
      await recipient.close();
    }
    // Served by a relay of another tree that does not have the file: the named relays are tried in turn (the
    // stopped one first, then relay 3).
    const stranger = await browser.newContext();
    try {
      const c = await stranger.newPage();
      const hash = `#/open/${capability}?via=${via(r1.url)},${via(r3.url)}`;
      expect((await download(c, `${lone.url}/${hash}`)).equals(file.buffer)).toBe(true);
    } finally {
      await stranger.close();
    }
  } finally {
    await owner.close();
    await Promise.all(relays.map((r) => r.stop()));
  }
});
