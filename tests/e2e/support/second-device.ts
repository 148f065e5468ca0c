// A second device of the same person: A's key backup exported and restored in a fresh browser context.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures.ts';

/**
 * Exports A's key backup and restores it in a fresh context: the second device of the same person. `watch` sees
 * B's page before it loads anything (e.g. to record its requests); the backup's path is returned for checks.
 */
export async function openSecondDevice(
  a: Page,
  browser: Browser,
  baseURL: string,
  passphrase: string,
  watch?: (b: Page) => void,
): Promise<{ context: BrowserContext; b: Page; backupPath: string }> {
  await expect(a.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
  await a.goto('/#/device');
  await a.getByTestId('export-passphrase').fill(passphrase);
  const downloadEvent = a.waitForEvent('download');
  await a.getByTestId('export-key').click();
  const backupPath = (await (await downloadEvent).path())!;
  await a.goto('/#/');
  const context = await browser.newContext({ baseURL });
  const b = await context.newPage();
  watch?.(b);
  await b.goto('/#/device');
  await expect(b.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const chooser = b.waitForEvent('filechooser');
  await b.getByTestId('import-choose').click();
  await (await chooser).setFiles(backupPath);
  await b.getByTestId('import-confirm').check();
  await b.getByTestId('import-passphrase').fill(passphrase);
  await b.getByTestId('import-key').click();
  await expect(b.getByTestId('import-status')).toHaveAttribute('data-node-id', /.+/);
  await b.waitForEvent('load', { timeout: 15_000 });
  await b.goto('/#/');
  return { context, b, backupPath };
}
