// Test page entry (pwa/test-vectors.html): exposes the same core/ modules the app uses, so end-to-end tests can
// check the wire test vectors inside the browser. Not linked from the app and not precached.
import * as bytes from '../../core/bytes.ts';
import * as sha from '../../core/crypto/sha256.ts';
import * as identity from '../../core/identity/index.ts';
import * as wire from '../../core/wire/index.ts';

export interface VectorResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

const api = {
  bytes,
  sha,
  identity,
  wire,
  /** Shows results in the page (for people looking at a trace or screenshot) and returns them. */
  report(results: readonly VectorResult[]): readonly VectorResult[] {
    const list = document.querySelector('[data-testid=vectors-results]');
    const status = document.querySelector('[data-testid=vectors-status]');
    list?.replaceChildren(
      ...results.map((r) => {
        const li = document.createElement('li');
        li.dataset.ok = String(r.ok);
        li.textContent = `${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.detail ? ` — ${r.detail}` : ''}`;
        return li;
      }),
    );
    const failed = results.filter((r) => !r.ok).length;
    if (status) {
      status.setAttribute('data-state', failed === 0 ? 'pass' : 'fail');
      status.textContent = `${results.length - failed} passed, ${failed} failed`;
    }
    return results;
  },
};

export type PeerTreeTestApi = typeof api;

declare global {
  interface Window {
    peertreeCore?: PeerTreeTestApi;
  }
}

window.peertreeCore = api;
document.querySelector('[data-testid=vectors-status]')?.setAttribute('data-state', 'ready');
