// Lighthouse (the devDependency, run on Debian's Chromium) scores the app as a relay serves it: accessibility, best
// practices and SEO are each 100 at phone and at laptop size. Performance is a timing, so it belongs to the bench,
// not to a test; it is not scored here.
import { chromium } from '@playwright/test';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';
import { freePort } from './support/relay.ts';
import { expect, test } from './support/fixtures.ts';

const CATEGORIES = ['accessibility', 'best-practices', 'seo'] as const;

interface Audit {
  readonly id: string;
  readonly title: string;
  readonly score: number | null;
  readonly scoreDisplayMode: string;
}

for (const form of ['phone', 'laptop'] as const) {
  test(`lighthouse scores accessibility, best practices and SEO at 100 (${form})`, async () => {
    test.setTimeout(120_000);
    const url = process.env.PEERTREE_E2E_URL;
    if (!url) throw new Error('PEERTREE_E2E_URL is not set: run through playwright.config.ts');
    // Lighthouse drives the browser over the DevTools protocol on a port of its own.
    const port = await freePort();
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`],
    });
    try {
      const result = await lighthouse(
        `${url}/`,
        { port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] },
        form === 'laptop' ? desktopConfig : undefined,
      );
      if (!result) throw new Error('lighthouse returned no result');
      const { categories, audits } = result.lhr;
      // Name what fell short, so that a failure says which audit to fix.
      const short = (Object.values(audits) as Audit[])
        .filter((a) => a.score !== null && a.score < 1 && /^(binary|numeric)$/.test(a.scoreDisplayMode))
        .map((a) => `${a.id}: ${a.title}`);
      const scores = Object.fromEntries(CATEGORIES.map((c) => [c, categories[c]?.score ?? null]));
      expect(scores, short.join('\n')).toEqual({ accessibility: 1, 'best-practices': 1, seo: 1 });
    } finally {
      await browser.close();
    }
  });
}
