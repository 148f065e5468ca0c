// The S3 gateway acting as the person of the app's own key backup: an object stored with the AWS CLI appears in
// the app's file list as "BUCKET/KEY", stored, and in its bucket on the albums screen, and downloads identical.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, test } from './support/fixtures.ts';
import { startGatewayProcess } from '../support/s3-gateway.ts';

const PASSPHRASE = 'gateway passphrase 2026';

function aws(
  endpoint: string,
  creds: { accessKeyId: string; secretAccessKey: string },
  args: string[],
): Promise<number | null> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
  };
  return new Promise((resolve, reject) => {
    const p = spawn('aws', ['--endpoint-url', endpoint, ...args], { env, stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', resolve);
  });
}

test('an object stored through the S3 gateway shows in the app as BUCKET/KEY and downloads identical', async ({
  page,
  relay,
}) => {
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'peertree-e2e-s3-'));
  let gateway: ChildProcess | undefined;
  try {
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-socket', 'ready');
    // One file of the app's own first, so that its library (and library key) exists and goes into the backup.
    await page
      .locator('input[type=file]')
      .setInputFiles([{ name: 'first.txt', mimeType: 'text/plain', buffer: Buffer.from('from the app') }]);
    await expect(page.locator('[data-testid=file-row][data-status=stored]')).toHaveCount(1, { timeout: 30_000 });
    await expect(page.getByTestId('library-sync')).toHaveAttribute('data-state', 'synced', { timeout: 20_000 });
    await page.goto('/#/device');
    await page.getByTestId('export-passphrase').fill(PASSPHRASE);
    const download = page.waitForEvent('download');
    await page.getByTestId('export-key').click();
    const backup = join(dir, 'backup.json');
    writeFileSync(backup, readFileSync((await (await download).path())!));

    const g = await startGatewayProcess(relay.url, join(dir, 'home'), {
      args: ['--replicas', '1', '--backup', backup],
      env: { PEERTREE_BACKUP_PASSPHRASE: PASSPHRASE },
    });
    gateway = g.proc;
    expect(g.info.library).toMatch(/^[0-9a-f]{64}$/);
    const bytes = randomBytes(20_000);
    const file = join(dir, 'report.bin');
    writeFileSync(file, bytes);
    expect(await aws(g.info.endpoint, g.info, ['s3', 'mb', 's3://e2e-bucket'])).toBe(0);
    expect(
      await aws(g.info.endpoint, g.info, [
        's3',
        'cp',
        '--only-show-errors',
        file,
        's3://e2e-bucket/reports/report.bin',
      ]),
    ).toBe(0);

    // The app polls the library while visible: the object arrives as a stored row of its own.
    await page.goto('/#/');
    const row = page.locator('[data-testid=file-row][data-name="e2e-bucket/reports/report.bin"]');
    await expect(row).toHaveAttribute('data-status', 'stored', { timeout: 30_000 });
    await expect(page.locator('[data-testid=file-row][data-name="first.txt"]')).toHaveCount(1);
    const capability = (await row.getAttribute('data-capability'))!;
    // The albums screen shows the bucket (read-only) with the key it names, opening the same file.
    await page.goto('/#/albums');
    const bucket = page.locator('[data-testid=album-card][data-kind=bucket][data-name="e2e-bucket"]');
    await expect(bucket).toHaveAttribute('data-count', '1');
    await expect(bucket).toContainText('S3 bucket');
    await bucket.click();
    await expect(page.getByTestId('bucket-title')).toHaveText('e2e-bucket');
    const item = page.locator('[data-testid=bucket-item][data-key="reports/report.bin"]');
    await expect(item).toHaveAttribute('data-cap', capability);
    await expect(item.getByRole('link', { name: 'Open reports/report.bin' })).toHaveAttribute(
      'href',
      `#/open/${encodeURIComponent(capability)}`,
    );
    await page.goto(`/#/open/${capability}`);
    const got = page.waitForEvent('download');
    await page.getByTestId('download').click();
    expect(readFileSync((await (await got).path())!).equals(bytes)).toBe(true);
  } finally {
    gateway?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
