// Where the browser tests find Chromium, and how they launch it. Debian's Chromium, never a downloaded one.
import { existsSync } from 'node:fs';

/** Debian's Chromium (override with PEERTREE_CHROMIUM, the variable `npm test` also reads). */
export const CHROMIUM_PATH = process.env.PEERTREE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Throws when Chromium is missing: browser tests fail loudly, they are never skipped. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need Debian's Chromium: ` +
        'apt-get install -y chromium (or set PEERTREE_CHROMIUM). They are never skipped.',
    );
  }
  return CHROMIUM_PATH;
}
