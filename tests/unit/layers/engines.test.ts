// Every installed package runs on the Node version package.json promises (issue #16: "align engines").
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}
const root = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('the Node engines promise', () => {
  const floor = semver.minVersion(pkg.engines.node);

  it('names a minimum version', () => {
    expect(floor).not.toBeNull();
  });

  it('is met by every package in the lock file', () => {
    const unmet: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const engines = entry.engines;
      const wanted = engines && !Array.isArray(engines) ? engines.node : undefined;
      if (path === '' || wanted === undefined || floor === null) continue;
      if (!semver.satisfies(floor, wanted)) unmet.push(`${path}@${entry.version ?? '?'} wants node ${wanted}`);
    }
    expect(unmet).toEqual([]);
  });

  it('is met by the Node running the tests', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });
});
