// Test page entry (pwa/test-vectors.html): runs the wire test vectors through the same core/ code the app uses,
// in this browser, and reports into the DOM. Not linked from the app and not precached.
import { ed25519Backend } from '../../core/crypto/ed25519.ts';
import { checkWireVectors, type VectorResult, type WireVector } from '../../core/wire/check-vectors.ts';
import vectorFile from '../../core/wire/wire-vectors.json';

export interface VectorReport {
  /** Ed25519 implementation chosen in this browser ("webcrypto" or "noble"). */
  readonly backend: string;
  readonly results: readonly VectorResult[];
  readonly passed: number;
  readonly failed: number;
  readonly error: string | null;
}

declare global {
  interface Window {
    peertreeVectorReport?: VectorReport;
  }
}

function render(report: VectorReport): void {
  const status = document.querySelector('[data-testid=vectors-status]');
  const list = document.querySelector('[data-testid=vectors-results]');
  list?.replaceChildren(
    ...report.results.map((r) => {
      const ok = r.encodes && r.verifies && r.rejectsTampered;
      const li = document.createElement('li');
      li.dataset.ok = String(ok);
      li.textContent = `${ok ? 'PASS' : 'FAIL'} ${r.name} (encodes ${r.encodes}, verifies ${r.verifies}, rejects tampered ${r.rejectsTampered})`;
      return li;
    }),
  );
  if (status) {
    status.setAttribute(
      'data-state',
      report.error === null && report.failed === 0 && report.passed > 0 ? 'pass' : 'fail',
    );
    status.textContent =
      report.error ?? `${report.passed} passed, ${report.failed} failed, Ed25519 via ${report.backend}`;
  }
}

async function run(): Promise<VectorReport> {
  const backend = (await ed25519Backend()).name;
  try {
    const vectors = (vectorFile as { vectors: WireVector[] }).vectors;
    const results = await checkWireVectors(vectors);
    const passed = results.filter((r) => r.encodes && r.verifies && r.rejectsTampered).length;
    return { backend, results, passed, failed: results.length - passed, error: null };
  } catch (err) {
    return {
      backend,
      results: [],
      passed: 0,
      failed: 0,
      error: `vector check threw: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

void run().then((report) => {
  window.peertreeVectorReport = report;
  render(report);
});
