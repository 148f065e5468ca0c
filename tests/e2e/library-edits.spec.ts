// Two devices of one person, open at once: a rename, a note and a delete made on A reach B within 30 s; and
// edits both made while offline (a new file each, a rename each of different files) survive on both.
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { openSecondDevice } from './support/second-device.ts';

const PASSPHRASE = 'two devices passphrase';

const rowOf = (page: Page, name: string) => page.locator(`[data-testid=file-row][data-name="${name}"]`);

async function addStored(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  await page.locator('input[type=file]').setInputFiles(files);
  for (const f of files)
    await expect(rowOf(page, f.name)).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
}

async function rename(page: Page, from: string, to: string, note?: string): Promise<void> {
  await rowOf(page, from).getByTestId('file-rename').click();
  await page.getByTestId('file-rename-input').fill(to);
  if (note !== undefined) await page.getByTestId('file-note').fill(note);
  await page.getByTestId('file-rename-save').click();
  await expect(rowOf(page, to)).toHaveCount(1);
}

test('a rename, a note and a delete on A show on B, open at the same time, within 30 s', async ({
  page: a,
  browser,
  relay,
}) => {
  test.setTimeout(150_000);
  await a.goto('/');
  await expect(a.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const keep = { name: 'draft.txt', mimeType: 'text/plain', buffer: randomBytes(4_000) };
  const gone = { name: 'old.bin', mimeType: 'application/octet-stream', buffer: randomBytes(9_000) };
  await addStored(a, [keep, gone]);
  const capability = (await rowOf(a, keep.name).getAttribute('data-capability'))!;
  const { context, b } = await openSecondDevice(a, browser, relay.url, PASSPHRASE);
  try {
    await expect(rowOf(b, keep.name)).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
    await expect(rowOf(b, gone.name)).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });

    // Empty names are refused in plain words, nothing changes.
    await rowOf(a, keep.name).getByTestId('file-rename').click();
    await a.getByTestId('file-rename-input').fill('   ');
    await a.getByTestId('file-rename-save').click();
    await expect(a.getByTestId('file-rename-error')).toHaveText('Give the file a name.');
    await a.getByTestId('file-rename-cancel').click();

    await rename(a, keep.name, 'tax return 2025.txt', 'send to the accountant in March');
    const renamedOnB = rowOf(b, 'tax return 2025.txt');
    await expect(renamedOnB).toHaveAttribute('data-capability', capability, { timeout: 30_000 });
    await expect(renamedOnB).toHaveAttribute('data-note', 'send to the accountant in March');
    await expect(renamedOnB.getByTestId('file-note-text')).toHaveText('send to the accountant in March');
    await expect(rowOf(b, keep.name)).toHaveCount(0);

    await rowOf(a, gone.name).getByTestId('file-delete').click();
    await a.getByTestId('delete-local').click();
    await expect(rowOf(a, gone.name)).toHaveCount(0);
    await expect(rowOf(b, gone.name)).toHaveCount(0, { timeout: 30_000 });
    await expect(b.getByTestId('file-row')).toHaveCount(1);

    // Both keep the result after a reload (it is in the library, not only in the page).
    await a.reload();
    await expect(rowOf(a, 'tax return 2025.txt')).toHaveAttribute('data-note', 'send to the accountant in March');
    await expect(a.getByTestId('file-row')).toHaveCount(1);
  } finally {
    await context.close();
  }
});

test('edits both devices made offline survive on both once they are back online', async ({
  page: a,
  context: contextA,
  browser,
  relay,
}) => {
  test.setTimeout(180_000);
  await a.goto('/');
  await expect(a.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const one = { name: 'one.txt', mimeType: 'text/plain', buffer: randomBytes(3_000) };
  const two = { name: 'two.txt', mimeType: 'text/plain', buffer: randomBytes(3_000) };
  await addStored(a, [one, two]);
  const { context: contextB, b } = await openSecondDevice(a, browser, relay.url, PASSPHRASE);
  try {
    await expect(b.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(2, { timeout: 30_000 });
    await expect(b.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });

    await contextA.setOffline(true);
    await contextB.setOffline(true);
    await expect(a.getByTestId('connection')).toHaveAttribute('data-state', 'offline');
    await expect(b.getByTestId('connection')).toHaveAttribute('data-state', 'offline');

    const fromA = { name: 'added-on-a.txt', mimeType: 'text/plain', buffer: randomBytes(2_000) };
    const fromB = { name: 'added-on-b.txt', mimeType: 'text/plain', buffer: randomBytes(2_000) };
    await a.locator('input[type=file]').setInputFiles([fromA]);
    await b.locator('input[type=file]').setInputFiles([fromB]);
    await expect(rowOf(a, fromA.name)).toHaveAttribute('data-status', 'queued');
    await expect(rowOf(b, fromB.name)).toHaveAttribute('data-status', 'queued');
    await rename(a, one.name, 'one renamed on a.txt');
    await rename(b, two.name, 'two renamed on b.txt');
    // Offline for a while: no version can be published, each device keeps its own edits.
    await a.waitForTimeout(2_000);
    await expect(rowOf(b, 'one renamed on a.txt')).toHaveCount(0);
    await expect(rowOf(a, 'two renamed on b.txt')).toHaveCount(0);

    await contextA.setOffline(false);
    await contextB.setOffline(false);
    for (const page of [a, b]) {
      for (const name of ['one renamed on a.txt', 'two renamed on b.txt', fromA.name, fromB.name]) {
        await expect(rowOf(page, name)).toHaveAttribute('data-status', 'stored', { timeout: 45_000 });
      }
      await expect(page.getByTestId('file-row')).toHaveCount(4);
      await expect(rowOf(page, one.name)).toHaveCount(0);
      await expect(rowOf(page, two.name)).toHaveCount(0);
    }
  } finally {
    await contextB.close();
  }
});
