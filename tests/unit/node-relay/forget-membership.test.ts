// Leaving while stopped: forgetMembership clears the saved tree state and gives the data folder a fresh tree
// id (file and meta), and names the tree that was left; running.json is read, replaced and removed safely.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initialState, step } from '../../../core/tree/index.ts';
import { systemRng } from '../../../node-relay/components.ts';
import { DATA_FILES, openDataDir, type DataDir } from '../../../node-relay/data/data-dir.ts';
import { getMeta, openRelayDb, setMeta } from '../../../node-relay/data/relay-db.ts';
import {
  processAlive,
  readRunningFile,
  removeRunningFile,
  writeRunningFile,
} from '../../../node-relay/data/running-file.ts';
import { loadOrCreateTreeId } from '../../../node-relay/data/tree-id-store.ts';
import { silentLogger } from '../../../node-relay/log-contract.ts';
import { forgetMembership } from '../../../node-relay/tree/forget-membership.ts';
import { TreeStore } from '../../../node-relay/tree/tree-store.ts';
import { envOf, ref } from '../tree/fixtures.ts';

const dirs: string[] = [];
async function dataDir(): Promise<DataDir> {
  const d = mkdtempSync(join(tmpdir(), 'peertree-forget-'));
  dirs.push(d);
  return openDataDir(join(d, 'data'), silentLogger);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data folder whose relay is a member of tree `treeId` (saved as the running relay would). */
async function memberFolder(): Promise<{ dir: DataDir; treeId: string }> {
  const dir = await dataDir();
  const { treeId } = await loadOrCreateTreeId(dir, systemRng);
  const db = openRelayDb(dir.file(DATA_FILES.db));
  setMeta(db, 'tree_id', treeId);
  const state = step(initialState(ref(0), 2), { type: 'create', now: 1_000 }, envOf(0)).state;
  new TreeStore(db).persist(state, 1_000);
  db.close();
  return { dir, treeId };
}

describe('forgetMembership', () => {
  it('clears the saved membership, takes a fresh tree id, and names the tree that was left', async () => {
    const { dir, treeId } = await memberFolder();
    const forgotten = forgetMembership(dir, systemRng, new Date(5_000));
    expect(forgotten.oldTreeId).toBe(treeId);
    expect(forgotten.treeId).toMatch(/^[0-9a-f]{32}$/);
    expect(forgotten.treeId).not.toBe(treeId);
    expect(readFileSync(dir.file(DATA_FILES.treeId), 'utf8').trim()).toBe(forgotten.treeId);
    const db = openRelayDb(dir.file(DATA_FILES.db));
    try {
      expect(new TreeStore(db).load()).toBeNull();
      expect(getMeta(db, 'tree_id')).toBe(forgotten.treeId);
      expect(getMeta(db, 'left_tree')).toBe(treeId);
      expect(getMeta(db, 'left_at')).toBe(new Date(5_000).toISOString());
    } finally {
      db.close();
    }
  });

  it('says there was nothing to leave for a relay that never had a tree saved', async () => {
    const dir = await dataDir();
    expect(forgetMembership(dir, systemRng).oldTreeId).toBeNull();
  });
});

describe('running.json', () => {
  it('round-trips, is removed only by the pid it names, and reads as absent when damaged', async () => {
    const dir = await dataDir();
    expect(readRunningFile(dir)).toBeNull();
    const running = {
      pid: 4242,
      url: 'https://127.0.0.1:9',
      id: 'aaaaaaaaaaaaaaaa',
      startedAt: '2024-01-01T00:00:00.000Z',
    };
    writeRunningFile(dir, running);
    expect(readRunningFile(dir)).toEqual(running);
    removeRunningFile(dir, 4243);
    expect(readRunningFile(dir)).toEqual(running);
    removeRunningFile(dir, 4242);
    expect(readRunningFile(dir)).toBeNull();
    writeFileSync(dir.file(DATA_FILES.running), '{"pid": "no"');
    expect(readRunningFile(dir)).toBeNull();
  });

  it('tells a live process from a gone one', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
  });
});
