// Shared test fixtures: the relay started by global setup is every test's baseURL.
import { test as base, expect } from '@playwright/test';

export interface RelayInfo {
  readonly url: string;
  readonly id: string;
}

export const test = base.extend<{ relay: RelayInfo }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires an object pattern for fixture dependencies
  relay: async ({}, use) => {
    const url = process.env.PEERTREE_E2E_URL;
    const id = process.env.PEERTREE_E2E_RELAY_ID;
    if (!url || !id)
      throw new Error(
        'PEERTREE_E2E_URL is not set: run these tests through playwright.config.ts (global setup starts the relay)',
      );
    await use({ url, id });
  },
  baseURL: async ({ relay }, use) => {
    await use(relay.url);
  },
});

export { expect };

/** Node ids: 16 characters of lowercase base32. */
export const NODE_ID_RE = /^[a-z2-7]{16}$/;
