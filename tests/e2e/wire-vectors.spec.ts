// The wire test vectors checked in Chromium through the same core/ code (pwa/test-vectors.html).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.ts';
import { REPO_ROOT } from './support/relay.ts';

interface Report {
  backend: string;
  passed: number;
  failed: number;
  error: string | null;
  results: { name: string; encodes: boolean; verifies: boolean; rejectsTampered: boolean }[];
}

test('every wire vector encodes, verifies and rejects tampering in Chromium, with WebCrypto Ed25519', async ({
  page,
}) => {
  const file = JSON.parse(readFileSync(join(REPO_ROOT, 'core', 'wire', 'wire-vectors.json'), 'utf8')) as {
    vectors: { name: string }[];
  };
  expect(file.vectors.length).toBeGreaterThan(0);

  await page.goto('/test-vectors.html');
  await expect(page.getByTestId('vectors-status')).toHaveAttribute('data-state', /^(pass|fail)$/);
  const report = (await page.evaluate(
    () => (window as unknown as { peertreeVectorReport?: unknown }).peertreeVectorReport,
  )) as Report;
  expect(report.error).toBeNull();
  expect(report.backend).toBe('webcrypto');
  expect(report.results.map((r) => r.name)).toEqual(file.vectors.map((v) => v.name));
  for (const r of report.results)
    expect(r, r.name).toEqual({ name: r.name, encodes: true, verifies: true, rejectsTampered: true });
  expect(report.failed).toBe(0);
  await expect(page.getByTestId('vectors-status')).toHaveAttribute('data-state', 'pass');
});
