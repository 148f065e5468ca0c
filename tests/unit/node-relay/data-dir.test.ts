import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileOnce, DATA_FILES, openDataDir } from '../../../node-relay/data/data-dir.ts';
import { loadOrCreateIdentity, parseSeedFile } from '../../../node-relay/data/identity-store.ts';
import { loadOrCreateTreeId } from '../../../node-relay/data/tree-id-store.ts';
import { systemRng } from '../../../node-relay/components.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'peertree-data-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('data folder', () => {
  it('creates the folder 0700 and tightens a looser one', async () => {
    const path = join(tmp(), 'a', 'b');
    await openDataDir(path, silentLogger);
    expect(statSync(path).mode & 0o777).toBe(0o700);
    chmodSync(path, 0o755);
    await openDataDir(path, silentLogger);
    expect(statSync(path).mode & 0o777).toBe(0o700);
  });

  it('creates a file once: the first writer wins, the mode is set from the start', async () => {
    const path = join(tmp(), 'f');
    const results = await Promise.all([createFileOnce(path, 'one', 0o600), createFileOnce(path, 'two', 0o600)]);
    const content = readFileSync(path, 'utf8');
    expect(['one', 'two']).toContain(content);
    expect(results.map((b) => b.toString())).toEqual([content, content]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps the same identity and tree id across loads, with a 0600 seed file', async () => {
    const dir = await openDataDir(tmp(), silentLogger);
    const first = await loadOrCreateIdentity(dir, systemRng, silentLogger);
    const second = await loadOrCreateIdentity(dir, systemRng, silentLogger);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.identity.id).toBe(first.identity.id);
    expect(statSync(dir.file(DATA_FILES.seed)).mode & 0o777).toBe(0o600);
    const t1 = await loadOrCreateTreeId(dir, systemRng);
    const t2 = await loadOrCreateTreeId(dir, systemRng);
    expect(t1.treeId).toMatch(/^[0-9a-f]{32}$/);
    expect(t2).toEqual({ treeId: t1.treeId, created: false });
  });

  it('refuses a damaged seed file instead of making a new identity', async () => {
    const dir = await openDataDir(tmp(), silentLogger);
    writeFileSync(dir.file(DATA_FILES.seed), 'not hex', { mode: 0o600 });
    await expect(loadOrCreateIdentity(dir, systemRng, silentLogger)).rejects.toThrow(/damaged/);
    expect(() => parseSeedFile('ab'.repeat(31))).toThrow(/damaged/);
    expect(parseSeedFile('ab'.repeat(32) + '\n')).toHaveLength(32);
  });
});
