// Browser tests: Debian's Chromium against a real relay (started in global setup) serving the built PWA.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, requireChromium } from './tests/support/chromium.ts';

// Fails the whole run, loudly, when Chromium is missing: browser tests are never skipped.
const executablePath = requireChromium();

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  globalSetup: './tests/e2e/support/global-setup.ts',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  // 46 tests took 1.5–2 minutes on an idle 2-vCPU machine and up to 4 under load from other jobs: the bound
  // catches a hang, not a slow machine.
  globalTimeout: 8 * 60_000,
  expect: { timeout: 10_000 },
  // `npm test` sets PLAYWRIGHT_JSON_OUTPUT_NAME to collect counts from the JSON reporter.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME
    ? [['list'], ['json']]
    : [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    browserName: 'chromium',
    // Playwright gives every run a fresh temporary profile and every test a fresh incognito-like context.
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
    ignoreHTTPSErrors: true,
    serviceWorkers: 'allow',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium' }],
});
