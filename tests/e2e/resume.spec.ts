// An upload resumes after the tab was closed: a file whose page closed while it was being encrypted is sealed
// again from the copy kept in IndexedDB by the next page, and ends stored with the same bytes, with no click.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { runCli } from './support/cli.ts';
import { storeCount } from './support/idb-count.ts';
import { MiB, sha256File, writeRandomFile } from './support/big-file.ts';

const SIZE = 64 * MiB;

/** How many file copies the page keeps until they are sealed (the `pending-blobs` store). */
const keptCopies = (page: Page): Promise<number> => storeCount(page, 'pending-blobs');

test('a file whose page closed while it was encrypted is stored by the next page', async ({ page, context, relay }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-resume-'));
  try {
    const input = join(dir, 'resume.bin');
    writeRandomFile(input, SIZE);

    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    await page.locator('input[type=file]').setInputFiles(input);
    const row = page.locator('[data-testid=file-row][data-name="resume.bin"]');
    await expect(row).toHaveCount(1);
    // The copy is kept before encryption starts; the page closes while the file is still being encrypted.
    await expect.poll(() => keptCopies(page), { timeout: 20_000 }).toBe(1);
    expect(await row.getAttribute('data-status')).toBe('local');
    await page.close();

    const reopened = await context.newPage();
    await reopened.goto('/');
    const again = reopened.locator('[data-testid=file-row][data-name="resume.bin"]');
    await expect(again).toHaveAttribute('data-status', 'stored', { timeout: 90_000 });
    // Stored: the kept copy is gone.
    expect(await keptCopies(reopened)).toBe(0);
    const capability = await again.getAttribute('data-capability');
    const out = join(dir, 'out.bin');
    const got = await runCli(['get', capability!, '--relay', relay.url, '-o', out]);
    expect(got.code, got.stderr).toBe(0);
    expect(await sha256File(out)).toBe(await sha256File(input));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
