// Search in the browser against the real relay: a file's opt-in description is found and opens the file; a
// memory made with the CLI is found here and a note made here is found by the CLI; the author forgets; hostile
// queries give results or a clear error, never a crash.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { jsonLines, runCli } from './support/cli.ts';
import { startRelay } from './support/relay.ts';

test.describe.configure({ mode: 'parallel' });

let home: string;
test.beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'peertree-e2e-search-'));
});
test.afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

/** A word no other memory has (FTS5 reads letters and digits as one token). */
function uniqueWord(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

async function search(page: Page, q: string): Promise<void> {
  await page.getByTestId('search-input').fill(q);
  await page.getByTestId('search-submit').click();
}

test('a file made searchable is found by its description, and the result opens it with identical bytes; its author forgets it', async ({
  page,
  relay,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  // Off by default: files are encrypted, and a searchable description is public.
  const check = page.getByTestId('searchable-check');
  await expect(check).not.toBeChecked();
  await expect(page.getByTestId('searchable-description')).toBeHidden();

  // A file added without the opt-in is not made findable.
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'private.bin', mimeType: 'application/octet-stream', buffer: randomBytes(2000) }]);
  const privateRow = page.locator('[data-testid=file-row][data-name="private.bin"]');
  await expect(privateRow).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
  await expect(privateRow).not.toHaveAttribute('data-searchable', /./);

  const word = uniqueWord('lighthouse');
  const bytes = randomBytes(1024 * 1024 + 77);
  await check.check();
  await expect(page.getByTestId('searchable-warning')).toContainText('Public');
  await page.getByTestId('searchable-description').fill(`Sketches of the ${word} at dawn`);
  await page.getByTestId('searchable-tags').fill('Drawings, coast');
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'sketches.bin', mimeType: 'application/octet-stream', buffer: bytes }]);
  // The opt-in applies to the files just added, then switches itself off.
  await expect(check).not.toBeChecked();
  const row = page.locator('[data-testid=file-row][data-name="sketches.bin"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 20_000 });
  await expect(row).toHaveAttribute('data-searchable', 'findable', { timeout: 15_000 });
  const capability = (await row.getAttribute('data-capability'))!;
  const memoryId = (await row.getAttribute('data-memory-id'))!;
  expect(memoryId).toMatch(/^[0-9a-f]{64}$/);

  // The search box on the files page leads to #/search/WORDS.
  await page.getByTestId('files-search-input').fill(word);
  await page.getByTestId('files-search').getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`#/search/${word}$`));
  const status = page.getByTestId('search-status');
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(status).toHaveAttribute('data-count', '1');
  await expect(status).toHaveAttribute('data-dropped', '0');
  await expect(page.getByTestId('search-partial')).toBeHidden();
  const result = page.getByTestId('search-result');
  await expect(result).toHaveAttribute('data-id', memoryId);
  await expect(result).toHaveAttribute('data-ref', capability);
  await expect(result).toHaveAttribute('data-mine', 'true');
  await expect(result.getByTestId('search-result-text')).toHaveText(`sketches.bin\nSketches of the ${word} at dawn`);
  await expect(result.getByTestId('search-result-tag')).toHaveText(['drawings', 'coast']);

  await result.getByTestId('search-result-open').click();
  const view = page.getByTestId('open-view');
  await expect(view).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect(view).toHaveAttribute('data-name', 'sketches.bin');
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect(readFileSync((await (await downloadEvent).path())!).equals(bytes)).toBe(true);

  // The CLI finds the same memory, and checks its signature itself.
  const found = jsonLines(await runCli(['search', word, '--relay', relay.url]));
  expect(found.map((f) => f.id)).toEqual([memoryId]);
  expect(found[0]!.ref).toBe(capability);

  // Its author forgets it: gone from the page and from the relay.
  await page.goBack();
  await expect(result).toHaveCount(1);
  await result.getByTestId('search-result-forget').click();
  await expect(result).toHaveCount(0);
  await expect(status).toContainText('Forgotten');
  await expect
    .poll(async () => jsonLines(await runCli(['search', word, '--relay', relay.url])).length, { timeout: 10_000 })
    .toBe(0);
  await search(page, word);
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(status).toHaveAttribute('data-count', '0');
  expect(errors).toEqual([]);
});

test('a memory made with the CLI is found in the browser (not forgettable here); a note remembered here is found by the CLI', async ({
  page,
  relay,
}) => {
  const env = { PEERTREE_HOME: join(home, 'cli-user') };
  const cliWord = uniqueWord('marmalade');
  const made = await runCli(
    ['remember', `Grandmother's ${cliWord} recipe`, '--relay', relay.url, '--replicas', '1', '--tag', 'kitchen'],
    30_000,
    env,
  );
  const { id } = jsonLines(made)[0] as { id: string };
  const who = jsonLines(await runCli(['ledger', 'whoami'], 30_000, env))[0] as { publicKey: string };

  await page.goto(`/#/search/${cliWord}`);
  const status = page.getByTestId('search-status');
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(status).toHaveAttribute('data-count', '1');
  const result = page.getByTestId('search-result');
  await expect(result).toHaveAttribute('data-id', id);
  await expect(result).toHaveAttribute('data-author', who.publicKey);
  await expect(result).toHaveAttribute('data-mine', 'false');
  await expect(result).toHaveAttribute('data-ref', '');
  await expect(result.getByTestId('search-result-text')).toHaveText(`Grandmother's ${cliWord} recipe`);
  await expect(result.getByTestId('search-result-open')).toHaveCount(0);
  await expect(result.getByTestId('search-result-forget')).toHaveCount(0);

  // A note from the browser, signed with this browser's key.
  const noteWord = uniqueWord('heron');
  await page.getByTestId('note-text').fill(`Saw a ${noteWord} by the canal`);
  await page.getByTestId('note-tags').fill('birds');
  await page.getByTestId('note-remember').click();
  await expect(page.getByTestId('note-status')).toHaveAttribute('data-state', 'stored', { timeout: 20_000 });
  await page.goto('/#/device');
  // The key loads after the page: wait for it rather than read an empty attribute.
  await expect(page.getByTestId('device-public-key')).toHaveAttribute('data-public-key', /^[0-9a-f]{64}$/);
  const myKey = await page.getByTestId('device-public-key').getAttribute('data-public-key');
  expect(myKey).toMatch(/^[0-9a-f]{64}$/);
  const found = jsonLines(await runCli(['search', noteWord, '--relay', relay.url]));
  expect(found).toHaveLength(1);
  expect(found[0]).toMatchObject({ text: `Saw a ${noteWord} by the canal`, tags: ['birds'], ref: null, author: myKey });
});

test('offline: a searchable file and a note wait in the outbox and become findable once back online; search says it needs a relay', async ({
  page,
  context,
  relay,
}) => {
  await page.goto('/');
  const connection = page.getByTestId('connection');
  await expect(connection).toHaveAttribute('data-socket', 'ready');
  await context.setOffline(true);
  await expect(connection).toHaveAttribute('data-state', 'offline');

  const word = uniqueWord('albatross');
  await page.getByTestId('searchable-check').check();
  await page.getByTestId('searchable-description').fill(`${word} field notes`);
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: randomBytes(5000) }]);
  const row = page.locator('[data-testid=file-row][data-name="notes.bin"]');
  await expect(row).toHaveAttribute('data-status', 'queued');
  await expect(row).toHaveAttribute('data-searchable', 'waiting');

  await page.goto('/#/search');
  const noteWord = uniqueWord('puffin');
  await page.getByTestId('note-text').fill(`${noteWord} colony`);
  await page.getByTestId('note-remember').click();
  await expect(page.getByTestId('note-status')).toHaveAttribute('data-state', 'queued');
  await expect(page.getByTestId('note-status')).toContainText('outbox');
  // Searching needs a relay: a clear error at once, not a spinner.
  await search(page, word);
  await expect(page.getByTestId('search-status')).toHaveAttribute('data-error', 'UNAVAILABLE');
  await page.goto('/#/network');
  // The upload, the file's description and the note.
  await expect(page.getByTestId('outbox-length')).toHaveAttribute('data-count', '3');

  await context.setOffline(false);
  await expect(page.getByTestId('outbox-length')).toHaveAttribute('data-count', '0', { timeout: 20_000 });
  await page.goto('/#/');
  await expect(row).toHaveAttribute('data-searchable', 'findable', { timeout: 10_000 });
  const capability = await row.getAttribute('data-capability');
  const found = jsonLines(await runCli(['search', word, '--relay', relay.url]));
  expect(found).toHaveLength(1);
  expect(found[0]).toMatchObject({ ref: capability, text: `notes.bin\n${word} field notes` });
  expect(jsonLines(await runCli(['search', noteWord, '--relay', relay.url])).map((f) => f.text)).toEqual([
    `${noteWord} colony`,
  ]);
});

test('hostile queries give results or a clear error, never a crash; the index survives them', async ({
  page,
  relay,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const word = uniqueWord('sentinel');
  jsonLines(
    await runCli(['remember', `${word} memory`, '--relay', relay.url, '--replicas', '1'], 30_000, {
      PEERTREE_HOME: join(home, 'hostile'),
    }),
  );

  await page.goto('/#/search');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const status = page.getByTestId('search-status');
  const hostile = [
    `'); DROP TABLE memories; --`,
    `"unbalanced quote`,
    `${word} NEAR(a b) AND NOT * ^x text:y`,
    `<img src=x onerror=alert(1)>`,
    '\u0000\uffff',
    `${'ab '.repeat(3400)}"`,
  ];
  for (const q of hostile) {
    await search(page, q);
    await expect(status).toHaveAttribute('data-state', /^(done|error)$/, { timeout: 20_000 });
    await expect(status).not.toHaveAttribute('data-error', 'INTERNAL');
    await expect(page.getByTestId('search-view')).toBeVisible();
  }
  // Operators are searched as words: "not" is one more word, so the memory still covers 2 of 3 terms.
  await search(page, `${word}* memory NOT`);
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(page.locator(`[data-testid=search-result-text]:text-is("${word} memory")`)).toHaveCount(1);
  await expect(page.locator('img[src=x]')).toHaveCount(0);

  // The table is still there: the plain search finds the memory.
  await search(page, word);
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(page.getByTestId('search-result-text')).toHaveText(`${word} memory`);
  expect(errors).toEqual([]);
});

test('a relay that does not answer in time makes the answer partial, and the page says so', async ({ browser }) => {
  const root = await startRelay();
  const child = await startRelay({ join: root.url });
  const context = await browser.newContext({ baseURL: root.url });
  try {
    await expect
      .poll(async () => ((await (await fetch(`${root.url}/api/status`)).json()) as { size: number }).size, {
        timeout: 30_000,
      })
      .toBe(2);
    const word = uniqueWord('kestrel');
    // On both relays: the root must ask its child, whose word summary may match.
    jsonLines(
      await runCli(['remember', `${word} over the dunes`, '--relay', root.url, '--replicas', '2'], 30_000, {
        PEERTREE_HOME: join(home, 'partial'),
      }),
    );
    const page = await context.newPage();
    await page.goto(`/#/search/${word}`);
    const status = page.getByTestId('search-status');
    await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
    await expect(status).toHaveAttribute('data-partial', 'false');
    await expect(page.getByTestId('search-partial')).toBeHidden();

    // The child freezes (its connections stay open, nothing answers): the root answers within its budget.
    child.process.kill('SIGSTOP');
    await search(page, `${word} dunes`);
    await expect(status).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
    await expect(status).toHaveAttribute('data-partial', 'true');
    await expect(page.getByTestId('search-partial')).toBeVisible();
    // The root's own copy still answers.
    await expect(page.getByTestId('search-result-text')).toHaveText(`${word} over the dunes`);
  } finally {
    child.process.kill('SIGCONT');
    await context.close();
    await child.stop();
    await root.stop();
  }
});

test('your own files are found first, by name and as you type, with nothing made public; an empty search lists the newest', async ({
  page,
  relay,
}) => {
  void relay;
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
  const name = `${uniqueWord('invoice')}.pdf`;
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name, mimeType: 'application/pdf', buffer: randomBytes(3000) }]);
  await expect(page.locator(`[data-testid=file-row][data-name="${name}"]`)).toHaveAttribute('data-status', 'stored', {
    timeout: 20_000,
  });
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: randomBytes(3000) }]);
  await expect(page.locator('[data-testid=file-row][data-name="holiday.jpg"]')).toHaveAttribute(
    'data-status',
    'stored',
    { timeout: 20_000 },
  );

  // An empty search from the files page lists the newest files.
  await page.getByTestId('files-search').getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/#\/search$/);
  await expect(page.getByTestId('search-own-result').first()).toHaveAttribute('data-name', 'holiday.jpg');
  await expect(page.getByTestId('search-status')).toHaveAttribute('data-state', 'idle');

  // Typing narrows "Your files" at once, before any network search; the file was never made findable.
  await page.getByTestId('search-input').fill(name.slice(0, 10));
  await expect(page.getByTestId('search-own-result')).toHaveCount(1);
  await expect(page.getByTestId('search-own-result')).toHaveAttribute('data-name', name);
  await expect(page.getByTestId('search-own-status')).toHaveText('1 of your files matches.');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-status')).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(page.getByTestId('search-status')).toHaveAttribute('data-count', '0');
  await expect(page.getByTestId('search-own-result')).toHaveCount(1);
  // Its result opens the file.
  await page.getByTestId('search-own-open').click();
  await expect(page).toHaveURL(/#\/open\//);
  await expect(page.getByTestId('download')).toBeVisible({ timeout: 20_000 });
});
