// This device: the id, an encrypted key backup that restores the same identity elsewhere, storage usage.
import { readFileSync } from 'node:fs';
import { NODE_ID_RE, expect, test } from './support/fixtures.ts';

const PASSPHRASE = 'correct horse battery staple';

test('the key backup is encrypted, and importing it elsewhere restores the same node id', async ({
  page,
  browser,
  relay,
}) => {
  await page.goto('/#/device');
  const id = page.getByTestId('device-node-id');
  await expect(id).toHaveAttribute('data-node-id', NODE_ID_RE);
  const nodeId = (await id.getAttribute('data-node-id'))!;
  await expect(page.getByTestId('export-unavailable')).toBeHidden();

  await page.getByTestId('export-passphrase').fill('short');
  await page.getByTestId('export-key').click();
  await expect(page.getByTestId('export-status')).toContainText('at least');

  await page.getByTestId('export-passphrase').fill(PASSPHRASE);
  const downloadEvent = page.waitForEvent('download');
  await page.getByTestId('export-key').click();
  const download = await downloadEvent;
  expect(download.suggestedFilename()).toBe(`peertree-key-${nodeId}.json`);
  const backupPath = (await download.path())!;
  const backup = JSON.parse(readFileSync(backupPath, 'utf8')) as {
    format: string;
    id: string;
    data: string;
    kdf: { iterations: number };
  };
  expect(backup.format).toBe('peertree-key-backup');
  expect(backup.id).toBe(nodeId);
  expect(backup.kdf.iterations).toBe(600_000);
  // Only ciphertext: 48 bytes of PKCS#8 plus the 16-byte tag, in base64url.
  expect(backup.data).toMatch(/^[A-Za-z0-9_-]{86}$/);

  // Another browser profile (a fresh context) gets its own key, then takes the backed-up one.
  const other = await browser.newContext({ baseURL: relay.url });
  try {
    const page2 = await other.newPage();
    await page2.goto('/#/device');
    await expect(page2.getByTestId('device-node-id')).toHaveAttribute('data-node-id', NODE_ID_RE);
    expect(await page2.getByTestId('device-node-id').getAttribute('data-node-id')).not.toBe(nodeId);

    const chooser = page2.waitForEvent('filechooser');
    await page2.getByTestId('import-choose').click();
    await (await chooser).setFiles(backupPath);
    await page2.getByTestId('import-confirm').check();
    await page2.getByTestId('import-passphrase').fill('wrong passphrase!!');
    await page2.getByTestId('import-key').click();
    await expect(page2.getByTestId('import-status')).toContainText('wrong passphrase');

    await page2.getByTestId('import-passphrase').fill(PASSPHRASE);
    await page2.getByTestId('import-key').click();
    await expect(page2.getByTestId('import-status')).toHaveAttribute('data-node-id', nodeId);
    // After the reload the device signs as the imported key: the handshake with the relay proves it.
    await expect(page2.getByTestId('node-id')).toHaveAttribute('data-node-id', nodeId, { timeout: 15_000 });
    await expect(page2.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    const stillPrivate = await page2.evaluate(
      () =>
        new Promise<boolean>((resolve, reject) => {
          const open = indexedDB.open('peertree');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('identity').objectStore('identity').get('self');
            get.onsuccess = () => resolve((get.result as { privateKey: CryptoKey }).privateKey.extractable === false);
          };
        }),
    );
    expect(stillPrivate).toBe(true);
  } finally {
    await other.close();
  }
});

test('storage shows usage and what this device keeps', async ({ page }) => {
  await page.goto('/#/device');
  await expect(page.getByTestId('storage-usage')).toContainText('used of');
  await expect(page.getByTestId('storage-usage')).toContainText('pieces');
  await expect(page.getByTestId('storage-persist')).toHaveAttribute('data-persisted', /^(true|false)$/);
});
