// Holes of the original system that are closed by how the code is written, checked on the source itself:
// TLS verification is never switched off for the whole process, certificate checks are skipped only on the
// sockets whose trust comes from the signed handshake, and no SQL is ever assembled from runtime text.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../integration/relay-harness.ts';

const ROOTS = ['core', 'node-relay', 'pwa', 'bin', 'scripts', 'tests', 'bench'];
const SKIP = new Set(['node_modules', 'dist', 'playwright-report', 'test-results']);

function sources(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 12) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (SKIP.has(name)) continue;
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path, depth + 1);
      else if (/\.(ts|js|mjs|cjs|tsx)$/.test(name))
        out.push({ path: relative(REPO, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const r of ROOTS) walk(join(REPO, r), 0);
  return out;
}

const files = sources();
const SELF = 'tests/unit/security/source-rules.test.ts';

describe('source rules', () => {
  it('scans the code base', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('never turns TLS verification off for the whole process', () => {
    const offenders = files
      .filter(
        (f) => f.path !== SELF && /NODE_TLS_REJECT_UNAUTHORIZED|globalAgent\.options|setGlobalDispatcher/.test(f.text),
      )
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('skips certificate checks only on sockets authenticated by the signed handshake (tests and benchmarks aside)', () => {
    const product = files
      .filter(
        (f) =>
          !f.path.startsWith('tests/') && !f.path.startsWith('bench/') && /rejectUnauthorized\s*:\s*false/.test(f.text),
      )
      .map((f) => f.path);
    // connector.ts: every relay/CLI socket, bound to keys by peer.hello/auth/welcome (expectedId when known).
    // status-client.ts: one read-only GET of public status.
    expect(product.sort()).toEqual(['node-relay/http/status-client.ts', 'node-relay/ws/connector.ts']);
  });

  it('builds SQL only from constants: runtime values are bound parameters', () => {
    const interpolated: string[] = [];
    for (const f of files) {
      if (f.path.startsWith('tests/')) continue;
      for (const m of f.text.matchAll(/\.(prepare|exec)\(\s*`([^`]*)`/g)) {
        for (const v of m[2]!.matchAll(/\$\{([^}]*)\}/g)) interpolated.push(`${f.path}: ${v[1]}`);
      }
    }
    // The only interpolation: holder-index's table name, typed as a union of two literals.
    expect(interpolated.every((e) => e.startsWith('node-relay/replication/holder-index.ts: table'))).toBe(true);
    const holder = files.find((f) => f.path === 'node-relay/replication/holder-index.ts')!.text;
    expect(holder).toMatch(/table: 'shard_holders' \| 'memory_holders'/);
  });
});
