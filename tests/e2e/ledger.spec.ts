// The ledger in the browser against the real relay: a file stored here can be registered here → the CLI's
// history shows it; a file someone else stored offers no "Register"; note and transfer to a CLI user's key →
// the history and the page show the new owner; a stale tab gets CONFLICT.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { capabilityFrom, jsonLines, runCli } from './support/cli.ts';

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-ledger-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('register in the browser a file stored here, the CLI sees it; a file stored by someone else cannot be registered here; transfer to a CLI key, history and page show the new owner; a stale tab is refused with CONFLICT', async ({
  page,
  context,
  relay,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const env = { PEERTREE_HOME: join(dir, 'cli-user') };
  const file = join(dir, 'theirs.bin');
  writeFileSync(file, randomBytes(4096));
  const theirs = capabilityFrom(await runCli(['put', file, '--relay', relay.url, '--replicas', '1'], 60_000, env));
  const cliKey = (jsonLines(await runCli(['ledger', 'whoami'], 30_000, env))[0] as { publicKey: string }).publicKey;

  await page.goto('/#/device');
  // The key loads after the page: wait for it rather than read an empty attribute.
  await expect(page.getByTestId('device-public-key')).toHaveAttribute('data-public-key', /^[0-9a-f]{64}$/);
  const myKey = (await page.getByTestId('device-public-key').getAttribute('data-public-key'))!;
  expect(myKey).toMatch(/^[0-9a-f]{64}$/);

  // A file the CLI user stored: this device did not pin its manifest, so it is not offered "Register".
  await page.goto(`/#/open/${theirs}`);
  const panel = page.getByTestId('ledger-panel');
  await expect(panel).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect(panel).toHaveAttribute('data-records', '0');
  await expect(page.getByTestId('ledger-register-form')).toBeHidden();
  await expect(page.getByTestId('ledger-register-unavailable')).toBeVisible();

  // A file stored from this device.
  await page.goto('/');
  await page
    .locator('input[type=file]')
    .setInputFiles([{ name: 'painting.bin', mimeType: 'application/octet-stream', buffer: randomBytes(4096) }]);
  const row = page.locator('[data-testid=file-row][data-name="painting.bin"]');
  await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
  const capability = (await row.getAttribute('data-capability'))!;
  const asset = capability.split('.')[1]!;
  await page.goto(`/#/open/${capability}`);
  await expect(panel).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  await expect(panel).toHaveAttribute('data-asset', asset);
  await expect(panel).toHaveAttribute('data-records', '0');
  await expect(page.getByTestId('ledger-owner')).toHaveAttribute('data-owner', '');
  await expect(page.getByTestId('ledger-owner-actions')).toBeHidden();
  await expect(page.getByTestId('ledger-register-unavailable')).toBeHidden();

  await page.getByTestId('ledger-register-note').fill('painted in 2019');
  await page.getByTestId('ledger-register').click();
  await expect(panel).toHaveAttribute('data-records', '1', { timeout: 20_000 });
  const owner = page.getByTestId('ledger-owner');
  await expect(owner).toHaveAttribute('data-owner', myKey);
  await expect(owner).toHaveAttribute('data-mine', 'true');
  await expect(page.getByTestId('ledger-register-form')).toBeHidden();

  const afterRegister = jsonLines(await runCli(['ledger', 'history', capability, '--relay', relay.url], 30_000, env));
  expect(afterRegister).toHaveLength(1);
  expect(afterRegister[0]).toMatchObject({ kind: 'register', author: myKey, to: null, note: 'painted in 2019' });

  await page.getByTestId('ledger-note').fill('frame restored');
  await page.getByTestId('ledger-annotate').click();
  await expect(panel).toHaveAttribute('data-records', '2', { timeout: 20_000 });

  // A second tab of the same user, showing the same head.
  const stale = await context.newPage();
  await stale.goto(`/#/open/${capability}`);
  await expect(stale.getByTestId('ledger-panel')).toHaveAttribute('data-records', '2', { timeout: 20_000 });
  await expect(stale.getByTestId('ledger-owner-actions')).toBeVisible();

  // A key that is not 64 hex characters is refused before anything is signed.
  await page.getByTestId('ledger-transfer-to').fill('not-a-key');
  await page.getByTestId('ledger-transfer').click();
  await expect(page.getByTestId('ledger-error')).toHaveAttribute('data-code', 'BAD_INPUT');
  await expect(panel).toHaveAttribute('data-records', '2');

  await page.getByTestId('ledger-transfer-to').fill(cliKey.toUpperCase());
  await page.getByTestId('ledger-transfer').click();
  await expect(panel).toHaveAttribute('data-records', '3', { timeout: 20_000 });
  await expect(owner).toHaveAttribute('data-owner', cliKey);
  await expect(owner).toHaveAttribute('data-mine', 'false');
  await expect(page.getByTestId('ledger-owner-actions')).toBeHidden();
  await expect(page.getByTestId('ledger-entry')).toHaveCount(3);
  await expect(page.getByTestId('ledger-entry').last()).toHaveAttribute('data-kind', 'transfer');
  await expect(page.getByTestId('ledger-entry').last()).toHaveAttribute('data-to', cliKey);

  const history = jsonLines(await runCli(['ledger', 'history', capability, '--relay', relay.url], 30_000, env));
  expect(history.map((e) => e.kind)).toEqual(['register', 'annotate', 'transfer']);
  expect(history[2]).toMatchObject({ author: myKey, to: cliKey });

  // The stale tab still offers a note; the ledger refuses it (the head moved), and the tab says why.
  await stale.getByTestId('ledger-note').fill('too late');
  await stale.getByTestId('ledger-annotate').click();
  await expect(stale.getByTestId('ledger-error')).toHaveAttribute('data-code', 'CONFLICT', { timeout: 20_000 });
  await expect(stale.getByTestId('ledger-error')).toContainText('CONFLICT');
  await expect(stale.getByTestId('ledger-owner')).toHaveAttribute('data-owner', cliKey);
  await expect(stale.getByTestId('ledger-owner-actions')).toBeHidden();

  // The new owner (the CLI) can annotate; the browser shows it after a reload of the history.
  const annotated = await runCli(
    ['ledger', 'annotate', capability, '--note', 'received', '--relay', relay.url],
    30_000,
    env,
  );
  expect(annotated.code, annotated.stderr).toBe(0);
  await page.getByTestId('ledger-reload').click();
  await expect(panel).toHaveAttribute('data-records', '4', { timeout: 20_000 });
  await expect(page.getByTestId('ledger-entry').last()).toContainText('received');
  expect(errors).toEqual([]);
});
